#include "nft/error.hpp"

#include <gtest/gtest.h>

#include <cerrno>

namespace cni::nft {
namespace {

TEST(NftError, NamesTheOperationAndTheReason) {
  const Error e = nft_error(EPERM, "add table inet cni_plugins_masquerade");
  EXPECT_EQ(e.code(), Code::Firewall);
  EXPECT_EQ(e.msg(), "add table inet cni_plugins_masquerade: Operation not permitted");
  EXPECT_EQ(e.details(), "errno 1");
}

TEST(NftError, AddsTheKernelsMessage) {
  EXPECT_EQ(nft_error(EINVAL, "add rule x", "bad thing").msg(),
            "add rule x: Invalid argument (bad thing)");
}

TEST(NftError, TransientErrorsAreTryAgainLater) {
  for (int err : {EBUSY, EAGAIN, EINTR, ERESTART, ENOBUFS})
    EXPECT_EQ(nft_error(err, "op").code(), Code::TryAgainLater) << err;
  for (int err : {ENOENT, EEXIST, EOPNOTSUPP, EPERM})
    EXPECT_EQ(nft_error(err, "op").code(), Code::Firewall) << err;
}

}  // namespace
}  // namespace cni::nft
