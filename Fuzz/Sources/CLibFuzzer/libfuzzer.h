// libFuzzer's entry for programs that have their own `main`.
//
// SwiftPM renames an executable's Swift `main` and links with `--defsym main=<module>_main`, which
// replaces the `main` that `-sanitize=fuzzer` links in; each fuzzer's main.swift therefore starts
// libFuzzer itself through this function (in libclang_rt.fuzzer since LLVM 11).
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *_Nonnull argc, char *_Nullable *_Nonnull *_Nonnull argv,
                        int (*_Nonnull callback)(const uint8_t *_Nonnull data, size_t size));
