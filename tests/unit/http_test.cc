#include "control/http.h"

#include <gtest/gtest.h>

#include <string>

namespace tend {
namespace {

TEST(HttpTest, ParsesWhatPythonsClientSends) {
  const std::string req =
      "POST /RPC2 HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: gzip\r\n"
      "Content-Type: text/xml\r\nUser-Agent: Python-xmlrpc/3.11\r\nContent-Length: 5\r\n"
      "Authorization: Basic dXNlcjpwYXNz\r\n\r\nhelloPOST";
  HttpRequest r;
  size_t used = 0;
  int status = 0;
  ASSERT_EQ(HttpParse::kDone, ParseHttpRequest(req, &r, &used, &status));
  EXPECT_EQ("POST", r.method);
  EXPECT_EQ("/RPC2", r.target);
  EXPECT_EQ("hello", r.body);
  EXPECT_TRUE(r.keep_alive);
  EXPECT_EQ(req.size() - 4, used);
  ASSERT_NE(nullptr, r.Header("content-type"));
  EXPECT_EQ("text/xml", *r.Header("content-type"));
  EXPECT_TRUE(BasicAuthMatches(r.Header("authorization"), "user", "pass"));
  EXPECT_FALSE(BasicAuthMatches(r.Header("authorization"), "user", "passe"));
  EXPECT_FALSE(BasicAuthMatches(r.Header("authorization"), "usr", "pass"));
  EXPECT_FALSE(BasicAuthMatches(nullptr, "user", "pass"));
  // supervisord's {SHA} passwords: the SHA-1 of "pass" in hex.
  EXPECT_EQ("9d4e1e23bd5b727046a9e3b4b7db57bd8d6ee684", Sha1Hex("pass"));
  EXPECT_EQ("da39a3ee5e6b4b0d3255bfef95601890afd80709", Sha1Hex(""));
  EXPECT_TRUE(BasicAuthMatches(r.Header("authorization"), "user",
                               "{SHA}9D4E1E23BD5B727046A9E3B4B7DB57BD8D6EE684"));
  // Incomplete until the body is in; HTTP/1.0 closes unless asked.
  EXPECT_EQ(HttpParse::kIncomplete, ParseHttpRequest(req.substr(0, req.size() - 6), &r, &used, &status));
  ASSERT_EQ(HttpParse::kDone,
            ParseHttpRequest("GET / HTTP/1.0\r\n\r\n", &r, &used, &status));
  EXPECT_FALSE(r.keep_alive);
  ASSERT_EQ(HttpParse::kDone,
            ParseHttpRequest("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n", &r, &used, &status));
  EXPECT_FALSE(r.keep_alive);
}

TEST(HttpTest, RefusesWithTheRightStatus) {
  HttpRequest r;
  size_t used = 0;
  int status = 0;
  auto bad = [&](const std::string& in) {
    status = 0;
    EXPECT_EQ(HttpParse::kBad, ParseHttpRequest(in, &r, &used, &status)) << in;
    return status;
  };
  EXPECT_EQ(400, bad("GARBAGE\r\n\r\n"));
  EXPECT_EQ(400, bad(std::string("\x16\x03\x01", 3)));  // A TLS hello: at once.
  EXPECT_EQ(400, bad("get / HTTP/1.1\r\n\r\n"));
  EXPECT_EQ(400, bad("GET  / HTTP/1.1\r\n\r\n"));
  EXPECT_EQ(400, bad("GET rpc HTTP/1.1\r\n\r\n"));
  EXPECT_EQ(505, bad("GET / HTTP/2.0\r\n\r\n"));
  EXPECT_EQ(400, bad("GET / HTTP/1.1\r\nno colon\r\n\r\n"));
  EXPECT_EQ(400, bad("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"));
  EXPECT_EQ(400, bad("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx"));
  EXPECT_EQ(413, bad("POST / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n"));
  EXPECT_EQ(413, bad("POST / HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n"));
  EXPECT_EQ(501, bad("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"));
  EXPECT_EQ(431, bad("GET /" + std::string(kMaxHttpHead, 'a')));
  EXPECT_EQ(HttpParse::kIncomplete, ParseHttpRequest("GET /" + std::string(100, 'a'), &r, &used, &status));
  EXPECT_EQ(HttpParse::kIncomplete, ParseHttpRequest("POS", &r, &used, &status));
  std::string out;
  EXPECT_FALSE(Base64Decode("abc", &out));
  EXPECT_FALSE(Base64Decode("ab=c", &out));
  EXPECT_TRUE(Base64Decode("YQ==", &out));
  EXPECT_EQ("a", out);
}

TEST(HttpTest, Responses) {
  EXPECT_EQ("HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\nConnection: close\r\n"
            "WWW-Authenticate: Basic realm=\"default\"\r\n\r\nno",
            HttpResponse(401, {"WWW-Authenticate: Basic realm=\"default\""}, "no", false));
  EXPECT_EQ("HTTP/1.1 200 OK\r\nX: y\r\nTransfer-Encoding: chunked\r\n\r\n",
            HttpStreamHead({"X: y"}, true));
  EXPECT_EQ("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", HttpStreamHead({}, false));
  EXPECT_EQ("1a\r\n" + std::string(26, 'z') + "\r\n", HttpChunk(std::string(26, 'z')));
}

TEST(HttpTest, PercentDecodeTakesOnlyWholeEscapes) {
  EXPECT_EQ("pair:a/stderr", PercentDecode("pair%3Aa/stderr"));
  EXPECT_EQ("a b", PercentDecode("a%20b"));
  EXPECT_EQ("100%", PercentDecode("100%"));
  EXPECT_EQ("%4", PercentDecode("%4"));
  EXPECT_EQ("%zz.", PercentDecode("%zz."));
  EXPECT_EQ(std::string("\0", 1), PercentDecode("%00"));
}

}  // namespace
}  // namespace tend
