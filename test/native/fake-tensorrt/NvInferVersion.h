// TEST-ONLY STUB (see README.md): version macros of the flavour under test.
#pragma once

#ifndef FAKE_TENSORRT_MAJOR
#define FAKE_TENSORRT_MAJOR 10
#endif

#if FAKE_TENSORRT_MAJOR >= 10
#define NV_TENSORRT_MAJOR 10
#define NV_TENSORRT_MINOR 3
#define NV_TENSORRT_PATCH 0
#define NV_TENSORRT_BUILD 26
#else
#define NV_TENSORRT_MAJOR 8
#define NV_TENSORRT_MINOR 6
#define NV_TENSORRT_PATCH 1
#define NV_TENSORRT_BUILD 6
#endif
