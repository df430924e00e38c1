#include "ovsdb/stream.hpp"

#include <gtest/gtest.h>

#include "cni/error.hpp"

namespace cni::ovsdb {
namespace {

TEST(MessageSplitter, BackToBackMessagesWithoutDelimiter) {
  MessageSplitter s;
  s.feed(R"({"id":1,"result":[]}{"id":2,"result":{"a":[1,{"b":2}]}})");
  EXPECT_EQ(s.next().value(), R"({"id":1,"result":[]})");
  EXPECT_EQ(s.next().value(), R"({"id":2,"result":{"a":[1,{"b":2}]}})");
  EXPECT_FALSE(s.next());
  EXPECT_EQ(s.pending(), 0U);
}

TEST(MessageSplitter, BracesAndEscapedQuotesInsideStrings) {
  MessageSplitter s;
  const std::string m = R"({"details":"\"where\" clause {test} ]failed\\","x":"}"})";
  s.feed(m + "\n" + m);
  EXPECT_EQ(s.next().value(), m);
  EXPECT_EQ(s.next().value(), m);
}

TEST(MessageSplitter, AnEscapedQuoteDoesNotEndTheString) {
  MessageSplitter s;
  const std::string m = R"({"a":"\"}"})";
  s.feed(m + "{}");
  EXPECT_EQ(s.next().value(), m);
  EXPECT_EQ(s.next().value(), "{}");
}

TEST(MessageSplitter, ByteByByte) {
  MessageSplitter s;
  const std::string m = R"({"method":"echo","params":["a{"],"id":"echo"})";
  for (std::size_t i = 0; i + 1 < m.size(); ++i) {
    s.feed(m.substr(i, 1));
    EXPECT_FALSE(s.next()) << i;
  }
  s.feed(m.substr(m.size() - 1));
  EXPECT_EQ(s.next().value(), m);
}

TEST(MessageSplitter, WhitespaceBetweenIsSkippedGarbageIsAnError) {
  MessageSplitter s;
  s.feed(" \r\n\t{}  ");
  EXPECT_EQ(s.next().value(), "{}");
  EXPECT_FALSE(s.next());
  s.feed("x{}");
  try {
    s.next();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Code::Ovsdb);
    EXPECT_NE(e.msg().find("protocol error"), std::string::npos);
  }
}

TEST(MessageSplitter, OversizedMessageIsAnError) {
  MessageSplitter s;
  s.feed("{\"a\":\"");
  s.feed(std::string(MessageSplitter::kMaxMessage, 'x'));
  EXPECT_THROW(s.next(), Error);
}

}  // namespace
}  // namespace cni::ovsdb
