#include "control/web_page.h"

#include <gtest/gtest.h>

namespace tend {
namespace {

TEST(WebPageTest, FormValuesAreDecoded) {
  EXPECT_EQ("web", FormValue("csrf=ab&name=web&do=stop", "name"));
  EXPECT_EQ("stop", FormValue("csrf=ab&name=web&do=stop", "do"));
  EXPECT_EQ("a b+c/d", FormValue("x=a+b%2Bc%2fd", "x"));
  EXPECT_EQ("", FormValue("x=1", "y"));
  EXPECT_EQ("", FormValue("", "x"));
  EXPECT_EQ("", FormValue("x", "x"));
  EXPECT_EQ("", FormValue("xx=1", "x"));
  EXPECT_EQ("2", FormValue("x=2&x=3", "x"));  // The first.
  EXPECT_EQ("", FormValue("&&x=&", "x"));
}

TEST(WebPageTest, ThePagesPathsAreItsOwn) {
  for (const char* p : {"/", "/live", "/action", "/api/status", "/tend.css", "/tend.js"}) {
    EXPECT_TRUE(WebPage::Serves(p)) << p;
  }
  for (const char* p : {"/RPC2", "/metrics", "/logtail/web", "/index.html", "//"}) {
    EXPECT_FALSE(WebPage::Serves(p)) << p;
  }
}

}  // namespace
}  // namespace tend
