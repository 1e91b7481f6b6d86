#ifndef DPWALL_CZSTD_SHIM_H
#define DPWALL_CZSTD_SHIM_H
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
#endif
