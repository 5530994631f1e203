#ifndef CCURLSHIM_H
#define CCURLSHIM_H

// Typed, non-variadic entry points for libcurl's variadic setopt/getinfo functions,
// which Swift cannot call. One wrapper per argument kind; nothing else belongs here.

#include <curl/curl.h>

/// curl_global_init, after asking OpenSSL not to install its atexit cleanup (which races a
/// curl teardown on another thread at process exit). Call once, before any other curl call.
CURLcode gw_global_init(void);

CURLcode gw_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode gw_easy_setopt_off(CURL *handle, CURLoption option, curl_off_t value);
CURLcode gw_easy_setopt_ptr(CURL *handle, CURLoption option, void *value);
CURLcode gw_easy_setopt_str(CURL *handle, CURLoption option, const char *value);
CURLcode gw_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
/// CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION share this signature.
CURLcode gw_easy_setopt_write_callback(CURL *handle, CURLoption option, curl_write_callback callback);
CURLcode gw_easy_setopt_read_callback(CURL *handle, curl_read_callback callback);

CURLcode gw_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode gw_easy_getinfo_ptr(CURL *handle, CURLINFO info, void **value);
CURLcode gw_easy_getinfo_off(CURL *handle, CURLINFO info, curl_off_t *value);

CURLMcode gw_multi_setopt_long(CURLM *multi, CURLMoption option, long value);

#endif
