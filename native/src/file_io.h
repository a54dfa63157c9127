// Whole-file reads and atomic writes: an engine or timing cache is either complete or absent,
// never half-written (a killed build must not leave a truncated engine that TensorRT later
// rejects with an obscure deserialization error).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace osg {

// Reads a whole file; returns false when it does not exist or cannot be read.
bool readFile(const std::string& path, std::vector<char>& contents);

// Writes to "<path>.tmp-<pid>" and renames over path. On failure, sets error and returns false.
bool writeFileAtomically(const std::string& path, const void* data, size_t size, std::string& error);

} // namespace osg
