import CLibFuzzer
import Glibc

// libFuzzer parses the command line (corpus directories, -max_total_time, …) and calls `fuzz`. The
// closure, not `fuzz` itself, is passed: naming the @_cdecl function here would emit its C symbol twice.
var argumentCount = CommandLine.argc
var argumentVector = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argumentCount, &argumentVector) { data, size in fuzz(data, size) })
