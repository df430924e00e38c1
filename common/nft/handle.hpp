#pragma once

// Owning handles for libnftnl and libmnl objects. Ownership rules, written down once:
// - nftnl_*_alloc and mnl_socket_open hand out an object the caller frees: wrap it right away.
// - nftnl_rule_add_expr takes the expression: release() the ExprPtr into it; likewise
//   nftnl_set_elem_add takes the element.
// - Getters (nftnl_rule_get_*, nftnl_expr_iter_next, ...) return borrowed pointers.

#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include <memory>

namespace cni::nft {

/// Frees a libnftnl / libmnl object the way its library wants it freed. Null is fine.
struct Deleter {
  void operator()(nftnl_table* p) const noexcept { nftnl_table_free(p); }
  void operator()(nftnl_chain* p) const noexcept { nftnl_chain_free(p); }
  void operator()(nftnl_rule* p) const noexcept { nftnl_rule_free(p); }
  void operator()(nftnl_expr* p) const noexcept { nftnl_expr_free(p); }
  void operator()(nftnl_set* p) const noexcept { nftnl_set_free(p); }
  void operator()(nftnl_set_elem* p) const noexcept { nftnl_set_elem_free(p); }
  void operator()(nftnl_expr_iter* p) const noexcept { nftnl_expr_iter_destroy(p); }
  void operator()(nftnl_batch* p) const noexcept { nftnl_batch_free(p); }
  void operator()(nftnl_udata_buf* p) const noexcept { nftnl_udata_buf_free(p); }
  void operator()(mnl_socket* p) const noexcept;  // closes it, or keeps it (socket_release.hpp)
};

using TablePtr = std::unique_ptr<nftnl_table, Deleter>;
using ChainPtr = std::unique_ptr<nftnl_chain, Deleter>;
using RulePtr = std::unique_ptr<nftnl_rule, Deleter>;
using ExprPtr = std::unique_ptr<nftnl_expr, Deleter>;
using SetPtr = std::unique_ptr<nftnl_set, Deleter>;
using SetElemPtr = std::unique_ptr<nftnl_set_elem, Deleter>;
using ExprIterPtr = std::unique_ptr<nftnl_expr_iter, Deleter>;
using BatchPtr = std::unique_ptr<nftnl_batch, Deleter>;
using UdataPtr = std::unique_ptr<nftnl_udata_buf, Deleter>;
using MnlSocketPtr = std::unique_ptr<mnl_socket, Deleter>;

}  // namespace cni::nft
