// TEST-ONLY STUB (see README.md): the nvonnxparser subset native/src uses.
#pragma once

#include "NvInfer.h"

namespace nvonnxparser {

enum class ErrorCode : int {
    kSUCCESS = 0,
    kINTERNAL_ERROR = 1,
    kMEM_ALLOC_FAILED = 2,
    kMODEL_DESERIALIZE_FAILED = 3,
    kINVALID_VALUE = 4,
    kINVALID_GRAPH = 5,
    kINVALID_NODE = 6,
    kUNSUPPORTED_GRAPH = 7,
    kUNSUPPORTED_NODE = 8,
};

class IParserError {
public:
    virtual ErrorCode code() const = 0;
    virtual char const* desc() const = 0;
    virtual char const* file() const = 0;
    virtual int line() const = 0;
    virtual char const* func() const = 0;
    virtual int node() const = 0;
#if FAKE_TENSORRT_VERSION >= 90100
    // Added in TensorRT 9.1 (onnx-tensorrt changelog: "Added new members to IParserError").
    virtual char const* nodeName() const = 0;
    virtual char const* nodeOperator() const = 0;
#endif

protected:
    virtual ~IParserError() {}
};

class IParser {
public:
    virtual bool parseFromFile(char const* onnxModelFile, int verbosity) noexcept = 0;
    virtual int getNbErrors() const noexcept = 0;
    virtual IParserError const* getError(int index) const noexcept = 0;
    virtual ~IParser() noexcept = default;
};

IParser* createParser(nvinfer1::INetworkDefinition& network, nvinfer1::ILogger& logger) noexcept;

} // namespace nvonnxparser
