#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace cni {

/// Error codes of the CNI spec (SPEC.md "Error"), plus ours from 100 up.
enum class Code : unsigned {
  IncompatibleVersion = 1,
  UnsupportedField = 2,
  UnknownContainer = 3,
  InvalidEnvironment = 4,
  IoFailure = 5,
  DecodingFailure = 6,
  InvalidConfig = 7,
  InvalidNetns = 8,  // libcni's ErrInvalidNetNS: the netns is not usable (e.g. the plugin's own)
  TryAgainLater = 11,
  NotAvailable = 50,          // STATUS: plugin cannot service ADD
  NotAvailableDegraded = 51,  // STATUS: as 50, and existing containers may be degraded
  // Plugin-specific codes (the spec reserves 0-99).
  Netlink = 100,      // a netlink request failed
  Netns = 101,        // entering or opening a network namespace failed
  Ipam = 102,         // the IPAM delegate failed or returned something unusable
  Firewall = 103,     // nftables
  System = 104,       // sysctl, files, processes
  Exhausted = 105,    // no free address left in a range
  CheckFailed = 106,  // CHECK found a resource missing or different from the result
  Ovsdb = 107,        // the OVSDB server is unreachable, timed out or refused a transaction
  Internal = 999,     // any failure without a more precise code (as libcni's ErrInternal)
};

/// The one error type of the project. Thrown anywhere below the skel, caught only by the skel,
/// printed as {"cniVersion","code","msg","details"} on stdout with a non-zero exit.
class Error : public std::runtime_error {
 public:
  Error(Code code, std::string msg, std::string details = {})
      : std::runtime_error(msg), code_(code), msg_(std::move(msg)), details_(std::move(details)) {}

  Code code() const noexcept { return code_; }
  const std::string& msg() const noexcept { return msg_; }
  const std::string& details() const noexcept { return details_; }

  /// A copy whose message is prefixed with "<context>: " (netavark's .wrap()).
  Error wrap(const std::string& context) const {
    return Error(code_, context + ": " + msg_, details_);
  }

 private:
  Code code_;
  std::string msg_;
  std::string details_;
};

/// Collects errors from best-effort steps (DEL, GC) that must all run; throws them as one.
class ErrorList {
 public:
  void add(const Error& e) { errors_.push_back(e); }
  /// Runs `step`; a cni::Error it throws is collected instead of propagated (best-effort
  /// commands such as DEL and GC go on with their other steps).
  template <typename F>
  void attempt(F&& step) {
    try {
      step();
    } catch (const Error& e) {
      add(e);
    }
  }
  bool empty() const noexcept { return errors_.empty(); }
  const std::vector<Error>& errors() const noexcept { return errors_; }
  /// Throws nothing when empty, the single error when one, else one error joining every message
  /// with the code of the first.
  void throw_if_any() const {
    if (errors_.empty()) return;
    if (errors_.size() == 1) throw errors_.front();
    std::string msg;
    std::string details;
    for (const auto& e : errors_) {
      if (!msg.empty()) msg += "; ";
      msg += e.msg();
      if (!e.details().empty()) details += (details.empty() ? "" : "; ") + e.details();
    }
    throw Error(errors_.front().code(), msg, details);
  }

 private:
  std::vector<Error> errors_;
};

}  // namespace cni
