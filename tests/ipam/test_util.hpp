#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "cni/error.hpp"

namespace cni::ipam::test {

/// The cni::Error `fn` throws (code 0 and empty message when it throws none).
inline Error error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e;
  }
  return Error(static_cast<Code>(0), "");
}

/// Asserts that `fn` throws a cni::Error with `code` whose message contains `part`.
#define EXPECT_CNI_ERROR(stmt, code_, part)                                       \
  do {                                                                            \
    auto e_ = ::cni::ipam::test::error_of([&] { stmt; });                         \
    EXPECT_EQ(static_cast<int>(e_.code()), static_cast<int>(code_)) << e_.msg();  \
    EXPECT_NE(e_.msg().find(part), std::string::npos) << "message: " << e_.msg(); \
  } while (0)

}  // namespace cni::ipam::test
