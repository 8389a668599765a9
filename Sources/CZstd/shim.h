#ifndef COLAN_CZSTD_SHIM_H
#define COLAN_CZSTD_SHIM_H
#include <zstd.h>
#endif
