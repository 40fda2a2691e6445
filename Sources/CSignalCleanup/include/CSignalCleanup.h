#ifndef CSIGNALCLEANUP_H
#define CSIGNALCLEANUP_H

/// Removes registered temporary files when SIGINT, SIGTERM or SIGHUP arrives, then lets the signal
/// act as it would have. Thread-safe: any number of threads may register and unregister at once.
///
/// Returns a slot to pass to `batchkit_cleanup_unregister`, or -1 when every slot is taken (the file
/// is then simply not removed on a signal).
int batchkit_cleanup_register(const char *path);

/// Forgets the file in `slot` (renamed into place or removed). A slot of -1 is ignored.
void batchkit_cleanup_unregister(int slot);

#endif
