#include <cblas.h>

// Declared in OpenBLAS's cblas.h; repeated here so the shim documents what vfl uses.
// openblas_set_num_threads, openblas_get_num_threads, openblas_get_corename, openblas_get_config.
