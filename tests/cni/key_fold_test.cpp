#include "cni/key_fold.hpp"

#include <gtest/gtest.h>

namespace cni {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

json fold(const char* doc, const char* shape) {
  return fold_keys(ordered_json::parse(doc), parse_shape(shape));
}

TEST(KeyFold, GoFold) {
  EXPECT_EQ(go_fold("isGateway"), "ISGATEWAY");
  EXPECT_EQ(go_fold("IsGateWay"), go_fold("isgateway"));
  EXPECT_EQ(go_fold("cni.dev/valid-attachments"), "CNI.DEV/VALID-ATTACHMENTS");
  // The two non-ASCII letters Go folds onto ASCII ones.
  EXPECT_EQ(go_fold("\xE2\x84\xAA"
                    "ey"),
            "KEY");
  EXPECT_EQ(go_fold("ma\xC5\xBFq"), "MASQ");
  // Any other non-ASCII byte stays (and so never matches an ASCII field).
  EXPECT_EQ(go_fold("\xC3\xA9"), "\xC3\xA9");
}

TEST(KeyFold, RenamesFieldsInAnyCase) {
  auto j = fold(R"({"Bridge":"br1","ISGATEWAY":true,"IPAM":{"Type":"host-local","Extra":1}})",
                R"({"bridge":null,"isGateway":null,"ipam":{"type":null}})");
  EXPECT_EQ(j, json::parse(
                   R"({"bridge":"br1","isGateway":true,"ipam":{"type":"host-local","Extra":1}})"));
}

TEST(KeyFold, LastKeyInTheDocumentWins) {
  const char* shape = R"({"bridge":null})";
  // As the reference bridge: {"bridge":"a","Bridge":"b"} configures b, and the other way a.
  EXPECT_EQ(fold(R"({"bridge":"a","Bridge":"b"})", shape)["bridge"], "b");
  EXPECT_EQ(fold(R"({"Bridge":"b","bridge":"a"})", shape)["bridge"], "a");
  EXPECT_EQ(fold(R"({"BRIDGE":"e","Bridge":"f"})", shape)["bridge"], "f");
}

TEST(KeyFold, RepeatedStructsAndMapsMerge) {
  auto j = fold(R"({"ipam":{"type":"a","subnet":"x"},"IPAM":{"Type":"b"}})",
                R"({"ipam":{"type":null,"subnet":null}})");
  EXPECT_EQ(j["ipam"], json::parse(R"({"type":"b","subnet":"x"})"));
  auto m = fold(R"({"sysctl":{"a":"1"},"Sysctl":{"b":"2"}})", R"({"sysctl":{"*":null}})");
  EXPECT_EQ(m["sysctl"], json::parse(R"({"a":"1","b":"2"})"));
  // A list is replaced, as Go resets a slice before decoding into it.
  auto l = fold(R"({"list":[1,2],"List":[3]})", R"({"list":null})");
  EXPECT_EQ(l["list"], json::parse("[3]"));
}

TEST(KeyFold, MapKeysAndOpaqueValuesAreKeptAsWritten) {
  auto j = fold(R"({"Sysctl":{"Net.IPv4.X":"1"},"capabilities":{"PortMappings":true},
                    "prevResult":{"IPs":[{"Address":"10.0.0.2/24"}]},"Opaque":{"Inner":1}})",
                R"({"sysctl":{"*":null},"capabilities":{"*":null},
                    "prevResult":{"ips":[{"address":null}]}})");
  EXPECT_EQ(j["sysctl"], json::parse(R"({"Net.IPv4.X":"1"})"));
  EXPECT_EQ(j["capabilities"], json::parse(R"({"PortMappings":true})"));
  EXPECT_EQ(j["prevResult"], json::parse(R"({"ips":[{"address":"10.0.0.2/24"}]})"));
  EXPECT_EQ(j["Opaque"], json::parse(R"({"Inner":1})"));
}

TEST(KeyFold, ListsOfStructs) {
  auto j = fold(R"({"runtimeConfig":{"PortMappings":[{"HostPort":8080,"ContainerPort":80,
                    "Protocol":"tcp","HostIP":""}]}})",
                R"({"runtimeConfig":{"portMappings":[{"hostPort":null,"containerPort":null,
                    "protocol":null,"hostIP":null}]}})");
  EXPECT_EQ(j["runtimeConfig"]["portMappings"][0],
            json::parse(R"({"hostPort":8080,"containerPort":80,"protocol":"tcp","hostIP":""})"));
}

TEST(KeyFold, ValuesOfAnotherTypeAreLeftForTheReader) {
  auto j = fold(R"({"IPAM":"host-local","Ranges":{"a":1}})",
                R"({"ipam":{"type":null},"ranges":[[{"subnet":null}]]})");
  EXPECT_EQ(j, json::parse(R"({"ipam":"host-local","ranges":{"a":1}})"));
}

TEST(KeyFold, MergeShapes) {
  auto s = merge_shapes(parse_shape(R"({"ipam":{"type":null},"runtimeConfig":{}})"),
                        parse_shape(R"({"ipam":{"subnet":null},"runtimeConfig":{"mac":null}})"));
  EXPECT_EQ(s, json::parse(R"({"ipam":{"type":null,"subnet":null},"runtimeConfig":{"mac":null}})"));
}

}  // namespace
}  // namespace cni
