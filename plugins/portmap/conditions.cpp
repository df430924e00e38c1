#include <nlohmann/json.hpp>
#include <sstream>

#include "cni/error.hpp"
#include "config.hpp"

namespace cni::portmap {
namespace {

using nft::CmpOp;
using nft::Condition;

constexpr std::size_t kIfnameMax = 15;

std::string unquote(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

class Reader {
 public:
  Reader(std::vector<std::string> tokens, net::Family family, std::string field, std::string text)
      : t_(std::move(tokens)), family_(family), field_(std::move(field)), text_(std::move(text)) {}

  std::vector<Condition> read() {
    std::vector<Condition> out;
    while (i_ < t_.size())
      out.push_back(one());
    return out;
  }

 private:
  [[noreturn]] void bad(const std::string& why) const {
    throw Error(Code::InvalidConfig,
                field_ + ": " + why + " in \"" + text_ +
                    "\" (supported: ip|ip6 saddr|daddr [!=] <prefix>, iifname|oifname [!=] "
                    "<name>, and the iptables forms [!] -s|-d <prefix>, [!] -i|-o <name>)");
  }

  const std::string& next(const char* what) {
    if (i_ >= t_.size()) bad(std::string("missing ") + what + " at the end");
    return t_[i_++];
  }

  // An optional operator after the keyword: "==" or "!=" (nft) or "!" (iptables, before the
  // value).
  CmpOp op(CmpOp current) {
    if (i_ < t_.size() && (t_[i_] == "!=" || t_[i_] == "!")) {
      ++i_;
      return current == CmpOp::Eq ? CmpOp::Neq : CmpOp::Eq;
    }
    if (i_ < t_.size() && t_[i_] == "==") ++i_;
    return current;
  }

  net::Prefix prefix() {
    const std::string& s = next("an address");
    auto p = net::Prefix::parse(s);
    if (!p) {
      if (auto a = net::IpAddress::parse(s)) p = net::Prefix(*a, a->bit_length());
    }
    if (!p) bad("\"" + s + "\" is not an address or prefix");
    if (p->family() != family_)
      bad("\"" + s + "\" is not an " + (family_ == net::Family::V4 ? "IPv4" : "IPv6") + " address");
    return *p;
  }

  std::string ifname() {
    std::string s = unquote(next("an interface name"));
    if (s.empty() || s.size() > kIfnameMax || s.find_first_of("/ *+") != std::string::npos)
      bad("\"" + s + "\" is not an interface name (no wildcards)");
    return s;
  }

  Condition addr(Condition::Kind kind, CmpOp start) {
    Condition c{.kind = kind};
    c.op = op(start);
    c.prefix = prefix();
    return c;
  }

  Condition iface(Condition::Kind kind, CmpOp start) {
    Condition c{.kind = kind};
    c.op = op(start);
    c.ifname = ifname();
    return c;
  }

  Condition one() {
    const std::string own = family_ == net::Family::V4 ? "ip" : "ip6";
    CmpOp start = CmpOp::Eq;
    std::string tok = next("a match");
    if (tok == "!") {  // iptables: "! -s 10.0.0.0/8"
      start = CmpOp::Neq;
      tok = next("a match after \"!\"");
    }
    if (tok == "ip" || tok == "ip6") {
      if (tok != own) bad("\"" + tok + "\" matches the other IP family");
      const std::string& field = next("saddr or daddr");
      if (field == "saddr") return addr(Condition::Kind::Saddr, start);
      if (field == "daddr") return addr(Condition::Kind::Daddr, start);
      bad("\"" + tok + " " + field + "\" is not supported");
    }
    if (tok == "meta") tok = next("iifname or oifname");
    if (tok == "iifname" || tok == "-i" || tok == "--in-interface")
      return iface(Condition::Kind::Iifname, start);
    if (tok == "oifname" || tok == "-o" || tok == "--out-interface")
      return iface(Condition::Kind::Oifname, start);
    if (tok == "-s" || tok == "--source" || tok == "--src")
      return addr(Condition::Kind::Saddr, start);
    if (tok == "-d" || tok == "--destination" || tok == "--dst")
      return addr(Condition::Kind::Daddr, start);
    bad("\"" + tok + "\" is not supported");
  }

  std::vector<std::string> t_;
  std::size_t i_ = 0;
  net::Family family_;
  std::string field_;
  std::string text_;
};

}  // namespace

std::vector<nft::Condition> parse_conditions(const nlohmann::json& list, net::Family family,
                                             const std::string& field) {
  if (list.is_null()) return {};
  if (!list.is_array()) throw Error(Code::DecodingFailure, field + ": must be a list of strings");
  std::string text;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_string()) {
      throw Error(Code::DecodingFailure, field + "[" + std::to_string(i) + "]: must be a string");
    }
    if (!text.empty()) text += ' ';
    text += list[i].get<std::string>();
  }
  std::vector<std::string> tokens;
  std::istringstream in(text);
  for (std::string tok; in >> tok;)
    tokens.push_back(tok);
  return Reader(std::move(tokens), family, field, text).read();
}

}  // namespace cni::portmap
