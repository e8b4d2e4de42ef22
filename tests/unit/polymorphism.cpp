// stowage uses no virtual dispatch: no library type a store uses is polymorphic.
#include <catch2/catch.hpp>
#include <stowage/sqlite.hpp>
#include <stowage/stowage.hpp>
#include <type_traits>

namespace {
struct Item {
  BOOST_HANA_DEFINE_STRUCT(Item, (std::int64_t, id), (std::string, name));
};

template <class Backend>
constexpr bool store_types_are_plain() {
  return !std::is_polymorphic_v<Backend> && !std::is_polymorphic_v<stowage::database<Backend>> &&
         !std::is_polymorphic_v<stowage::table<Item, Backend>> &&
         !std::is_polymorphic_v<stowage::query<Item, Backend>> &&
         !std::is_polymorphic_v<typename stowage::query<Item, Backend>::iterator> &&
         !std::is_polymorphic_v<stowage::transaction<Backend>> &&
         !std::is_polymorphic_v<std::remove_pointer_t<typename Backend::table_handle>>;
}
}  // namespace

TEST_CASE("no type a store uses is polymorphic") {
  STATIC_REQUIRE(store_types_are_plain<stowage::memory>());
  STATIC_REQUIRE(store_types_are_plain<stowage::sqlite>());
  STATIC_REQUIRE(!std::is_polymorphic_v<stowage::predicate<Item>>);
  STATIC_REQUIRE(!std::is_polymorphic_v<stowage::field_ref<&Item::name>>);
  STATIC_REQUIRE(!std::is_polymorphic_v<stowage::detail::expr>);
  STATIC_REQUIRE(!std::is_polymorphic_v<stowage::detail::table_schema>);
  STATIC_REQUIRE(!std::is_polymorphic_v<stowage::sqlite::cursor>);
  STATIC_REQUIRE(!std::is_polymorphic_v<stowage::memory::cursor>);
}
