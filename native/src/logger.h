// TensorRT logger that turns TensorRT's messages into "log" events, and remembers the errors so the
// final "error" event can say what TensorRT itself complained about.
#pragma once

#include <NvInfer.h>

#include <string>
#include <vector>

namespace osg {

class JsonLogger : public nvinfer1::ILogger {
public:
    explicit JsonLogger(bool verbose) : verbose_(verbose) {}

    void log(Severity severity, const char* message) noexcept override;

    // TensorRT's error messages so far, oldest first (at most the last 20).
    const std::vector<std::string>& errors() const { return errors_; }

private:
    bool verbose_;
    std::vector<std::string> errors_;
};

} // namespace osg
