#pragma once

#include <gtest/gtest.h>

#include "cni/error.hpp"

namespace cni::test {

/// The cni::Error thrown by `f`; records a test failure (and returns an Internal error) when
/// `f` throws none.
template <typename F>
Error error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected a cni::Error";
  return Error(Code::Internal, "none");
}

/// The numeric code of the cni::Error thrown by `f`, or 0 when it throws none.
template <typename F>
int code_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return static_cast<int>(e.code());
  }
  return 0;
}

}  // namespace cni::test
