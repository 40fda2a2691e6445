print("batchkit")
