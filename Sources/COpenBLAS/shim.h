#include <cblas.h>
/* Declared by OpenBLAS itself; used by `bench` to print the kernel in use. */
char *openblas_get_corename(void);
char *openblas_get_config(void);
int openblas_get_num_threads(void);
/* Used when the analysis runs batches on several threads itself (then each GEMM runs on one thread). */
void openblas_set_num_threads(int num_threads);
