#include "ovsdb/datum.hpp"

#include <gtest/gtest.h>

#include "cni/error.hpp"

namespace cni::ovsdb {
namespace {

TEST(Datum, Encoders) {
  EXPECT_EQ(make_map({{"b", "2"}, {"a", "1"}}).dump(), R"(["map",[["a","1"],["b","2"]]])");
  EXPECT_EQ(make_set({1, 2}).dump(), R"(["set",[1,2]])");
  EXPECT_EQ(uuid_ref("u").dump(), R"(["uuid","u"])");
  EXPECT_EQ(named_uuid("n").dump(), R"(["named-uuid","n"])");
}

TEST(Datum, Decoders) {
  EXPECT_EQ(set_elements(json::parse(R"(["set",[]])"), "x").size(), 0U);
  EXPECT_EQ(set_elements(json(5), "x"), std::vector<json>{json(5)});
  EXPECT_EQ(set_elements(json::parse(R"(["uuid","u"])"), "x").size(), 1U);
  EXPECT_EQ(int_set(json::parse(R"(["set",[10,42]])"), "x"), (std::vector<long long>{10, 42}));
  EXPECT_EQ(optional_int(json::parse(R"(["set",[]])"), "x"), std::nullopt);
  EXPECT_EQ(optional_int(json(100), "x"), 100);
  auto m = map_strings(json::parse(R"(["map",[["owner","me"],["contIface","eth0"]]])"), "x");
  EXPECT_EQ(m.at("owner"), "me");
  EXPECT_EQ(uuid_of(json::parse(R"(["uuid","abc"])"), "x"), "abc");
  EXPECT_THROW(uuid_of(json("abc"), "x"), Error);
  EXPECT_THROW(map_strings(json::parse(R"(["map",[["a",1]]])"), "x"), Error);
  EXPECT_THROW(set_elements(json::parse(R"({"a":1})"), "x"), Error);
  EXPECT_THROW(optional_int(json::parse(R"(["set",[1,2]])"), "x"), Error);
}

TEST(TransactResult, PerOperationErrorNamesOpTableErrorAndDetails) {
  const json ops =
      json::parse(R"([{"op":"wait","table":"Bridge"},{"op":"insert","table":"Port"}])");
  const json res =
      json::parse(R"([{"details":"\"where\" clause test failed","error":"timed out"},null])");
  try {
    check_transact_result(ops, res);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Code::Ovsdb);
    EXPECT_EQ(e.msg(),
              R"(ovsdb: wait on Bridge (operation 0): timed out: "where" clause test failed)");
  }
}

TEST(TransactResult, CommitErrorBeyondTheOperations) {
  const json ops = json::parse(R"([{"op":"insert","table":"Port"}])");
  const json res =
      json::parse(R"([{"uuid":["uuid","x"]},{"error":"constraint violation","details":"dup"}])");
  try {
    check_transact_result(ops, res);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.msg(), "ovsdb: transaction commit: constraint violation: dup");
  }
}

TEST(TransactResult, SuccessAndMalformed) {
  const json ops = json::parse(R"([{"op":"select","table":"Port"}])");
  EXPECT_EQ(check_transact_result(ops, json::parse(R"([{"rows":[]}])")).size(), 1U);
  EXPECT_THROW(check_transact_result(ops, json::parse(R"({"rows":[]})")), Error);
  EXPECT_THROW(check_transact_result(ops, json::parse(R"([])")), Error);
  EXPECT_THROW(check_transact_result(ops, json::parse(R"([5])")), Error);
}

// Found by fuzz_ovsdb: an operation "not attempted" (null) although no error was reported;
// add_port then read it as an object and nlohmann threw a type_error, not a CNI error.
TEST(TransactResult, NullWithoutAnErrorIsMalformed) {
  const json ops =
      json::parse(R"([{"op":"select","table":"Port"},{"op":"select","table":"Port"}])");
  EXPECT_THROW(check_transact_result(ops, json::parse(R"([{"rows":[]},null])")), Error);
  EXPECT_THROW(check_transact_result(ops, json::parse(R"([{"error":"x"},null])")), Error);
}

}  // namespace
}  // namespace cni::ovsdb
