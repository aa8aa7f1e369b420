#include "control/xmlrpc.h"

#include <gtest/gtest.h>

#include <string>

namespace tend {
namespace xmlrpc {
namespace {

// What Python's xmlrpc.client.dumps() writes, for the same values.
TEST(XmlRpcTest, ResponsesAreWhatPythonWrites) {
  Value v = Value::Array({Value::Int(1), Value::String("a<&>"), Value::Bool(true),
                          Value::Array({Value::Int(1), Value::Int(2)}),
                          Value::Struct({{"b", Value::String("x")}, {"a", Value()}})});
  EXPECT_EQ(
      "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><array><data>\n"
      "<value><int>1</int></value>\n<value><string>a&lt;&amp;&gt;</string></value>\n"
      "<value><boolean>1</boolean></value>\n<value><array><data>\n<value><int>1</int></value>\n"
      "<value><int>2</int></value>\n</data></array></value>\n<value><struct>\n<member>\n"
      "<name>b</name>\n<value><string>x</string></value>\n</member>\n<member>\n<name>a</name>\n"
      "<value><nil/></value></member>\n</struct></value>\n</data></array></value>\n</param>\n"
      "</params>\n</methodResponse>\n",
      Response(v));
  EXPECT_EQ(
      "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n"
      "<name>faultCode</name>\n<value><int>10</int></value>\n</member>\n<member>\n"
      "<name>faultString</name>\n<value><string>BAD_NAME: x</string></value>\n</member>\n"
      "</struct></value>\n</fault>\n</methodResponse>\n",
      Fault(10, "BAD_NAME: x"));
}

// A program's log read back may hold anything: what XML cannot carry becomes U+FFFD, and
// every answer stays one a parser takes; text that can be carried is unchanged.
TEST(XmlRpcTest, TextXmlCannotCarryBecomesReplacementCharacters) {
  auto body = [](const std::string& text) {
    const std::string r = Response(Value::String(text));
    const size_t from = r.find("<string>") + 8;
    return r.substr(from, r.find("</string>") - from);
  };
  const std::string kBad = "\xEF\xBF\xBD";
  EXPECT_EQ("tab\there&#13;\n", body("tab\there\r\n"));
  EXPECT_EQ("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", body("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_EQ(kBad + "[31mred", body("\x1b[31mred"));
  EXPECT_EQ("a" + kBad + "b", body(std::string("a\0b", 3)));
  EXPECT_EQ("x" + kBad + "y", body("x\xFFy"));
  EXPECT_EQ(kBad + kBad, body("\xC3\xC3"));                    // Cut sequences.
  EXPECT_EQ(kBad + "z", body("\xEF\xBF\xBEz"));                 // U+FFFE.
  EXPECT_EQ(kBad + kBad + kBad, body("\xED\xA0\x80"));          // A surrogate.
  EXPECT_EQ("&lt;" + kBad + kBad, body("<\xE2\x82"));
}

TEST(XmlRpcTest, ReadsWhatPythonSends) {
  Call c;
  std::string why;
  ASSERT_TRUE(ParseCall(
      "<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.startProcess</methodName>\n"
      "<params>\n<param>\n<value><string>web</string></value>\n</param>\n<param>\n"
      "<value><boolean>1</boolean></value>\n</param>\n</params>\n</methodCall>\n",
      &c, &why))
      << why;
  EXPECT_EQ("supervisor.startProcess", c.method);
  ASSERT_EQ(2u, c.params.size());
  EXPECT_EQ(Value::Type::kString, c.params[0].type);
  EXPECT_EQ("web", c.params[0].s);
  EXPECT_EQ(Value::Type::kBool, c.params[1].type);
  EXPECT_EQ(1, c.params[1].i);
  // No params element, untyped strings, references, nesting, empty elements.
  ASSERT_TRUE(ParseCall("<methodCall><methodName>m</methodName></methodCall>", &c, &why)) << why;
  EXPECT_TRUE(c.params.empty());
  ASSERT_TRUE(ParseCall("<methodCall><methodName>m</methodName><params/></methodCall>", &c, &why))
      << why;
  EXPECT_TRUE(c.params.empty());
  ASSERT_TRUE(ParseCall(
      "<methodCall><methodName>m</methodName><params><param><value> a&amp;&#233;&#x41; </value>"
      "</param><param><value><array><data><value><i4>-7</i4></value><value><struct><member>"
      "<name>k</name><value><double>1.5</double></value></member></struct></value></data>"
      "</array></value></param><param><value><string/></value></param><param><value><nil/>"
      "</value></param><param><value><array><data/></array></value></param></params>"
      "</methodCall>",
      &c, &why))
      << why;
  ASSERT_EQ(5u, c.params.size());
  EXPECT_EQ(" a&\xc3\xa9" "A ", c.params[0].s);
  ASSERT_EQ(2u, c.params[1].items.size());
  EXPECT_EQ(-7, c.params[1].items[0].i);
  ASSERT_NE(nullptr, c.params[1].items[1].Member("k"));
  EXPECT_EQ(1.5, c.params[1].items[1].Member("k")->d);
  EXPECT_EQ(Value::Type::kString, c.params[2].type);
  EXPECT_EQ("", c.params[2].s);
  EXPECT_EQ(Value::Type::kNil, c.params[3].type);
  EXPECT_EQ(Value::Type::kArray, c.params[4].type);
  // Our own requests read back.
  ASSERT_TRUE(ParseCall(Request("x.y", {Value::Int(3), Value::String("<b>")}), &c, &why)) << why;
  EXPECT_EQ("x.y", c.method);
  EXPECT_EQ(3, c.params[0].i);
  EXPECT_EQ("<b>", c.params[1].s);
}

TEST(XmlRpcTest, RefusesWhatIsNotAMethodCall) {
  Call c;
  std::string why;
  const char* bad[] = {
      "",
      "<methodCall>",
      "<methodResponse/>",
      "<methodCall><methodName></methodName></methodCall>",
      "<methodCall><methodName>m</methodName></methodCall> trailing",
      "<!DOCTYPE x [<!ENTITY a 'b'>]><methodCall><methodName>m</methodName></methodCall>",
      "<methodCall a='1'><methodName>m</methodName></methodCall>",
      "<methodCall><methodName>m&bogus;</methodName></methodCall>",
      "<methodCall><methodName>m&#0;</methodName></methodCall>",
      "<methodCall><methodName>m&#xD800;</methodName></methodCall>",
      // Characters XML does not allow, raw or as references: what is taken must be what
      // an answer can carry back.
      "<methodCall><methodName>m&#1;</methodName></methodCall>",
      "<methodCall><methodName>m&#xFFFE;</methodName></methodCall>",
      "<methodCall><methodName>m\x1b</methodName></methodCall>",
      "<methodCall><methodName>m\xff</methodName></methodCall>",
      "<methodCall><methodName>m\xef\xbf\xbf</methodName></methodCall>",
      "<methodCall><methodName>m</methodName><params><param><value><int>x</int></value></param>"
      "</params></methodCall>",
      "<methodCall><methodName>m</methodName><params><param><value><int>99999999999999999999"
      "</int></value></param></params></methodCall>",
      "<methodCall><methodName>m</methodName><params><param><value><boolean>2</boolean>"
      "</value></param></params></methodCall>",
      "<methodCall><methodName>m</methodName><params><param><value><blob>1</blob></value>"
      "</param></params></methodCall>",
      "<methodCall><methodName>m</methodName><params><param><value><![CDATA[x]]></value>"
      "</param></params></methodCall>",
  };
  for (const char* b : bad) {
    EXPECT_FALSE(ParseCall(b, &c, &why)) << b;
    EXPECT_FALSE(why.empty()) << b;
  }
  // A NUL inside a name (a C string would end there).
  EXPECT_FALSE(ParseCall(std::string("<methodCall><methodName>m\0x</methodName></methodCall>", 53),
                         &c, &why));
  // Nesting is bounded.
  std::string deep = "<methodCall><methodName>m</methodName><params><param>";
  for (int i = 0; i < 40; ++i) deep += "<value><array><data>";
  EXPECT_FALSE(ParseCall(deep, &c, &why));
  EXPECT_NE(std::string::npos, why.find("too deep")) << why;
}

}  // namespace
}  // namespace xmlrpc
}  // namespace tend
