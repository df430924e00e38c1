#include "nft/sha512.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace cni::nft {
namespace {

// FIPS 180-4 examples (csrc.nist.gov "SHA512.pdf") and the classic million-'a' vector.
TEST(Sha512, EmptyString) {
  EXPECT_EQ(sha512_hex(""),
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
            "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
}

TEST(Sha512, Abc) {
  EXPECT_EQ(sha512_hex("abc"),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

TEST(Sha512, TwoBlockMessage) {
  EXPECT_EQ(sha512_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                       "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
            "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
            "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");
}

TEST(Sha512, MillionA) {
  EXPECT_EQ(sha512_hex(std::string(1000000, 'a')),
            "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
            "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b");
}

// Lengths around the padding boundaries (the length field needs a second block from 112 bytes
// into a block on). Expected values from coreutils sha512sum.
TEST(Sha512, PaddingBoundaries) {
  const std::vector<std::pair<std::size_t, std::string>> cases = {
      {111,
       "9a2a120825c2319867758ec277924f6faa254968bf752046dacdd948d8ad299b"
       "10359fd04bfd7d3810b5fa1b16a294236138baff981cbb85248478053ac4d3dd"},
      {112,
       "a3722b515ef40c910f2419f6e0da8ca51d410114ce6272faae64045f9e9f630e"
       "7fa8dd5a3243c9860b899d148c3da4bc0f9e07454542604d030bb55531fe0d5b"},
      {127,
       "1d5a8893e7b7ed83d485d26f88cfb846f3760279916976fe538e539fc16f7cd1"
       "9ba3e1c2cd5fda78749a74205755cdf694e8fa90b2bfed8815f406af76c1d7bf"},
      {128,
       "e2e22f8422b54b06e35c3ea30a383d1de7a8fbc27992923074103117020d8dd7"
       "024c3ecf7d6d1a15a6de5a75ff32fb486b9e8ced4c02ffe05822bf2cb734d0e0"},
      {129,
       "19015483ea99fa74728fd7b13adba6b729cfa4ab7c388573efa2641d2af0577f"
       "24dd51acbaeec41a7a11d10f6c4e68a3b90e7b2348c678486a4365c9d9101cdd"},
      {239,
       "805c40517b44cef414a06c632b4ee9c21d34c85a84c3f9530274db86e2a3e38c"
       "b0e54025666b925426bd6860f81538abbfab13011e85767d814a245d232a6044"},
      {240,
       "3e05caa7e0fddab685e6052bd902c316505180504344d00b1217e1349a532d1d"
       "0e5ce4b24d69eea3aca369dc16d8bbdf872b2fe1770e0e1aad22f84e0519bc6c"},
  };
  for (const auto& [len, hex] : cases)
    EXPECT_EQ(sha512_hex(std::string(len, 'x')), hex) << len << " bytes";
}

TEST(Sha512, RawDigestMatchesHex) {
  const auto digest = sha512("abc");
  EXPECT_EQ(digest[0], 0xdd);
  EXPECT_EQ(digest[63], 0x9f);
}

}  // namespace
}  // namespace cni::nft
