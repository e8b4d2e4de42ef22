// The blob store: stowage::blob_store<Backend>, large binary content in chunks beside a
// database's records, on every backend. Needs OpenSSL's libcrypto (SHA-256); only a program that
// includes this header links it (CMake: stowage::blobs; pkg-config: stowage-blobs).
#pragma once

// first: the core's compile-time checks then show a short include chain (see core.hpp)
#include <stowage/stowage.hpp>

#include <stowage/blob/blob_store.hpp>
