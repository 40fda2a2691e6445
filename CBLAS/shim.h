// Umbrella for the OpenBLAS CBLAS interface and LAPACKE.
// The guard must not be CBLAS_H: OpenBLAS's own <cblas.h> uses that name, and a clash empties the module.
#ifndef SWIFT_BATCH_PROCESSING_BLAS_SHIM_H
#define SWIFT_BATCH_PROCESSING_BLAS_SHIM_H

#include <cblas.h>
#include <lapacke.h>

#endif
