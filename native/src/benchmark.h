// Latency of the built engine on random inputs at the profile's opt shapes, timed with CUDA events
// around enqueueV3 after a warm-up (first runs pay for lazy module loading and clock ramp-up).
#pragma once

#include "options.h"

#include <NvInfer.h>

#include <string>

namespace osg {

// Runs the benchmark and emits a "latency" event. Returns false and sets error on failure.
bool runBenchmark(nvinfer1::ICudaEngine& engine, const BuilderOptions& options, std::string& error);

} // namespace osg
