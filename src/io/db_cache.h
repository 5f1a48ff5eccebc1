/* Private to the I/O edge: the file-backed ks_db_cache. */
#ifndef KS_DB_CACHE_H
#define KS_DB_CACHE_H

#include "kesu/pack.h"

const ks_db_cache *ks_file_db_cache(void);

#endif
