import MallocInterposerSwift

/// Counts every `malloc`-family call in the process, on all threads, through malloc-interposer.
///
/// The interposer is linked into `batchkit` rather than preloaded: its `malloc` comes before libc's
/// in the executable's library order, so the dynamic linker binds every caller to it.
///
/// Keep thread exits out of a counted region: malloc-interposer 1.6.1 writes to a thread's counter
/// block after freeing it at thread exit, which corrupts the heap if counting is on at that moment.
/// The measured bodies run on threads that outlive them (workers, OpenBLAS, the cooperative pool).
enum ProcessMallocCounter {
    /// Whether the interposer sees allocations (false if the library were somehow not in effect).
    static let isActive: Bool = {
        var kept: [[Int]] = []
        let count = mallocs { kept.append([Int](repeating: 1, count: 64)) }
        return count > 0 && kept.count == 1
    }()

    /// The mallocs made by all threads while `body` runs.
    static func mallocs(_ body: () -> Void) -> Int {
        MallocInterposerSwift.initialize()
        MallocInterposerSwift.hook()
        body()
        MallocInterposerSwift.unhook()
        return MallocInterposerSwift.getStatistics().mallocCount
    }

    /// The mallocs made by all threads while the asynchronous `body` runs.
    static func mallocs(_ body: () async -> Void) async -> Int {
        MallocInterposerSwift.initialize()
        MallocInterposerSwift.hook()
        await body()
        MallocInterposerSwift.unhook()
        return MallocInterposerSwift.getStatistics().mallocCount
    }
}
