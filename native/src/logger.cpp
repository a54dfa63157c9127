#include "logger.h"

#include "json_events.h"

namespace osg {

namespace {

const char* severityName(nvinfer1::ILogger::Severity severity) {
    switch (severity) {
        case nvinfer1::ILogger::Severity::kINTERNAL_ERROR: return "internal-error";
        case nvinfer1::ILogger::Severity::kERROR: return "error";
        case nvinfer1::ILogger::Severity::kWARNING: return "warning";
        case nvinfer1::ILogger::Severity::kINFO: return "info";
        case nvinfer1::ILogger::Severity::kVERBOSE: return "verbose";
        default: return "unknown";
    }
}

} // namespace

void JsonLogger::log(Severity severity, const char* message) noexcept {
    // log() is noexcept in TensorRT's interface: nothing may escape, not even bad_alloc.
    try {
        const std::string text = message != nullptr ? message : "";
        const bool isError = severity == Severity::kERROR || severity == Severity::kINTERNAL_ERROR;
        if (isError) {
            errors_.push_back(text);
            if (errors_.size() > 20) errors_.erase(errors_.begin());
        }
        const bool wanted = severity <= Severity::kWARNING || (verbose_ && severity == Severity::kINFO);
        if (!wanted) return;
        emit(event("log").str("severity", severityName(severity)).str("message", text));
    } catch (...) {
    }
}

} // namespace osg
