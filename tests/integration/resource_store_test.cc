// The shared resource store on a real Redis: atomic writes with their change
// entries, conditional updates, ordered listing, and change-feed retention.
#include "services/common/resource_store.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tests/testing/redis_server.h"

namespace pathways::testing {
namespace {

class ResourceStoreTest : public ::testing::Test {
 protected:
  ResourceStoreTest() : pool_(Config()), store_(&pool_, "test:v1", "things") {}

  RedisConfig Config() {
    RedisConfig config;
    config.address = server_.address();
    return config;
  }

  RedisServer server_;
  RedisPool pool_;
  ResourceStore store_;
};

TEST_F(ResourceStoreTest, WritesAndTheirChangesHappenTogether) {
  ASSERT_TRUE(store_.Create("", {{"things/a", "A", "e1"}, {"things/b", "B", "e2"}}, "").ok());
  EXPECT_EQ(server_.Query({"XLEN", "test:v1:changes:things"}), "2");
  ASSERT_TRUE(store_.Update({"things/a", "A2", "e3"}, "e1").ok());
  EXPECT_EQ(store_.Update({"things/a", "A3", "e4"}, "e1").code(), absl::StatusCode::kAborted);
  absl::StatusOr<StoredResource> a = store_.Get("things/a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->data, "A2");
  EXPECT_EQ(a->etag, "e3");
  ASSERT_TRUE(store_.Delete("", "things/b", "").ok());
  EXPECT_EQ(store_.Get("things/b").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(server_.Query({"XLEN", "test:v1:changes:things"}), "4");

  // A batch with one existing name writes nothing at all.
  EXPECT_EQ(
      store_.Create("", {{"things/c", "C", "e5"}, {"things/a", "A", "e6"}}, "").status().code(),
      absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store_.Get("things/c").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(server_.Query({"XLEN", "test:v1:changes:things"}), "4");
}

TEST_F(ResourceStoreTest, ListsInNameOrderWithContinuation) {
  std::vector<StoredResource> items;
  for (int i = 0; i < 25; ++i) {
    items.push_back({absl::StrCat("things/t", 100 + i), "x", "e"});
  }
  ASSERT_TRUE(store_.Create("", items, "").ok());
  absl::StatusOr<ResourcePage> page = store_.List("", "", 10);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 10u);
  EXPECT_EQ(page->items.front().name, "things/t100");
  EXPECT_EQ(page->continue_after, "things/t109");
  page = store_.List("", "things/t119", 10);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), 5u);
  EXPECT_TRUE(page->continue_after.empty());
}

TEST_F(ResourceStoreTest, RevisionsOlderThanRetainedHistoryAreOutOfRange) {
  ASSERT_TRUE(store_.Create("", {{"things/a", "A", "e1"}}, "").ok());
  absl::StatusOr<std::string> old = store_.CurrentRevision();
  ASSERT_TRUE(old.ok());
  ASSERT_TRUE(store_.Create("", {{"things/b", "B", "e2"}}, "").ok());
  ASSERT_TRUE(store_.Create("", {{"things/c", "C", "e3"}}, "").ok());
  EXPECT_TRUE(store_.CheckRevision(*old).ok());
  server_.Query({"XTRIM", "test:v1:changes:things", "MAXLEN", "1"});
  EXPECT_EQ(store_.CheckRevision(*old).code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(store_.CheckRevision("not-a-revision").code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace pathways::testing
