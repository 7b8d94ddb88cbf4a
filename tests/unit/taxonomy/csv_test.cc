#include "services/taxonomy/csv.h"

#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pathways::taxonomy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Records = std::vector<std::vector<std::string>>;

absl::StatusOr<Records> ReadAll(CsvReader& reader) {
  Records records;
  std::vector<std::string> fields;
  for (;;) {
    absl::StatusOr<bool> more = reader.ReadRecord(&fields);
    if (!more.ok()) return more.status();
    if (!*more) return records;
    records.push_back(fields);
  }
}

absl::StatusOr<Records> ParseString(std::string_view text) {
  CsvReader reader(text);
  return ReadAll(reader);
}

// The same input through the stream path, which refills in chunks.
absl::StatusOr<Records> ParseStream(const std::string& text) {
  std::istringstream in(text);
  CsvReader reader(in);
  return ReadAll(reader);
}

TEST(CsvReaderTest, SimpleRecords) {
  auto records = ParseString("a,b,c\n1,2,3\n");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(*records, ElementsAre(ElementsAre("a", "b", "c"), ElementsAre("1", "2", "3")));
}

TEST(CsvReaderTest, QuotedFieldKeepsNewlinesCommasAndCarriageReturns) {
  auto records = ParseString("id,alt\r\n1,\"one\ntwo, three\r\nfour\"\r\n2,x\r\n");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(*records,
              ElementsAre(ElementsAre("id", "alt"), ElementsAre("1", "one\ntwo, three\r\nfour"),
                          ElementsAre("2", "x")));
}

TEST(CsvReaderTest, CrlfAndLfRecordEndsMix) {
  auto records = ParseString("a\r\nb\nc\r\n");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(*records, ElementsAre(ElementsAre("a"), ElementsAre("b"), ElementsAre("c")));
}

TEST(CsvReaderTest, DoubledQuoteIsLiteralQuote) {
  auto records = ParseString("\"say \"\"hi\"\"\",\"\"\"\",\"\"\n");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(*records, ElementsAre(ElementsAre("say \"hi\"", "\"", "")));
}

TEST(CsvReaderTest, EmptyCells) {
  auto records = ParseString(",,\na,,b\n,\n");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(*records,
              ElementsAre(ElementsAre("", "", ""), ElementsAre("a", "", "b"), ElementsAre("", "")));
}

TEST(CsvReaderTest, FinalRecordWithoutNewline) {
  auto records = ParseString("a,b\n1,2");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(*records, ElementsAre(ElementsAre("a", "b"), ElementsAre("1", "2")));

  records = ParseString("a,\"quoted\"");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(*records, ElementsAre(ElementsAre("a", "quoted")));

  // A trailing comma means one more, empty, field.
  records = ParseString("a,");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(*records, ElementsAre(ElementsAre("a", "")));
}

TEST(CsvReaderTest, BlankLinesAndEmptyInputYieldNoRecords) {
  auto records = ParseString("");
  ASSERT_TRUE(records.ok());
  EXPECT_TRUE(records->empty());

  records = ParseString("a\n\n\r\nb\n\n");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(*records, ElementsAre(ElementsAre("a"), ElementsAre("b")));

  // A lone empty cell is written quoted, so it survives.
  records = ParseString("\"\"\n");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(*records, ElementsAre(ElementsAre("")));
}

TEST(CsvReaderTest, ByteOrderMarkIsSkipped) {
  auto records = ParseString("\xEF\xBB\xBFid,label\n");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(*records, ElementsAre(ElementsAre("id", "label")));
}

TEST(CsvReaderTest, UnterminatedQuoteReportsItsStartLine) {
  auto records = ParseString("a,b\n1,2\n3,\"never\nclosed\n");
  ASSERT_FALSE(records.ok());
  EXPECT_EQ(records.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(records.status().message(), HasSubstr("line 3"));
  EXPECT_THAT(records.status().message(), HasSubstr("unterminated"));
}

TEST(CsvReaderTest, QuoteInsideUnquotedFieldIsAnError) {
  auto records = ParseString("a,b\nx,ab\"c\n");
  ASSERT_FALSE(records.ok());
  EXPECT_EQ(records.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(records.status().message(), HasSubstr("line 2"));
  EXPECT_THAT(records.status().message(), HasSubstr("quote inside unquoted field"));
}

TEST(CsvReaderTest, TextAfterClosingQuoteIsAnError) {
  auto records = ParseString("\"a\nb\"c,d\n");
  ASSERT_FALSE(records.ok());
  EXPECT_EQ(records.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(records.status().message(), HasSubstr("line 2"));
}

TEST(CsvReaderTest, BareCarriageReturnOutsideQuotesIsAnError) {
  auto records = ParseString("a\rb\n");
  ASSERT_FALSE(records.ok());
  EXPECT_EQ(records.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(CsvReaderTest, ErrorIsSticky) {
  CsvReader reader("\"open");
  std::vector<std::string> fields;
  EXPECT_FALSE(reader.ReadRecord(&fields).ok());
  EXPECT_FALSE(reader.ReadRecord(&fields).ok());
}

TEST(CsvReaderTest, RecordLineCountsEmbeddedNewlines) {
  CsvReader reader("h\n\"x\ny\"\nz\n");
  std::vector<std::string> fields;
  ASSERT_TRUE(*reader.ReadRecord(&fields));
  EXPECT_EQ(reader.record_line(), 1);
  ASSERT_TRUE(*reader.ReadRecord(&fields));
  EXPECT_EQ(reader.record_line(), 2);
  ASSERT_TRUE(*reader.ReadRecord(&fields));
  EXPECT_EQ(reader.record_line(), 4);
  EXPECT_THAT(fields, ElementsAre("z"));
}

TEST(CsvReaderTest, StreamMatchesStringAcrossChunkBoundaries) {
  // Long enough to span several 64 KiB refills, with quotes, CRLF and
  // embedded newlines landing on arbitrary chunk edges.
  std::string text = "\xEF\xBB\xBFid,label,notes\r\n";
  for (int i = 0; i < 20000; ++i) {
    text +=
        std::to_string(i) + ",\"label " + std::to_string(i) + ", with \"\"quote\"\"\",\"a\nb\"\r\n";
  }
  auto from_string = ParseString(text);
  auto from_stream = ParseStream(text);
  ASSERT_TRUE(from_string.ok()) << from_string.status();
  ASSERT_TRUE(from_stream.ok()) << from_stream.status();
  ASSERT_EQ(from_string->size(), 20001u);
  EXPECT_EQ(*from_string, *from_stream);
  EXPECT_THAT((*from_stream)[12345], ElementsAre("12344", "label 12344, with \"quote\"", "a\nb"));
}

TEST(CsvReaderTest, EscapeRoundTrips) {
  const std::vector<std::string> fields = {"plain", "a,b", "say \"hi\"", "two\nlines", ""};
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) line += ",";
    line += CsvEscape(fields[i]);
  }
  EXPECT_EQ(CsvEscape("plain"), "plain");
  EXPECT_EQ(CsvEscape("a,b"), "\"a,b\"");
  auto records = ParseString(line + "\r\n");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(*records, ElementsAre(fields));
}

TEST(CsvHeaderTest, FindsColumnsByName) {
  auto header = CsvHeader::FromRecord({"uuid", "label", "type"});
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(*header->Index("label"), 1u);
  EXPECT_EQ(header->Index("missing").status().code(), absl::StatusCode::kNotFound);
  auto indices = header->Indices({"type", "uuid"});
  ASSERT_TRUE(indices.ok());
  EXPECT_THAT(*indices, ElementsAre(2u, 0u));
  auto missing = header->Indices({"uuid", "nope", "nada"});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("nope, nada"));
}

TEST(CsvHeaderTest, RejectsDuplicateAndEmptyNames) {
  EXPECT_FALSE(CsvHeader::FromRecord({"a", "b", "a"}).ok());
  EXPECT_FALSE(CsvHeader::FromRecord({"a", ""}).ok());
}

TEST(ForEachCsvRowTest, SelectsColumnsAndChecksWidth) {
  CsvReader reader("x,name,y\n1,one,2\n3,three,4\n");
  std::vector<std::string> names;
  absl::Status status =
      ForEachCsvRow(reader, "test.csv", {"name", "x"}, [&](std::span<const std::string_view> c) {
        names.push_back(std::string(c[0]) + "=" + std::string(c[1]));
        return absl::OkStatus();
      });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_THAT(names, ElementsAre("one=1", "three=3"));

  CsvReader short_row("a,b\n1,2\n3\n");
  status = ForEachCsvRow(short_row, "short.csv", {"a"},
                         [](std::span<const std::string_view>) { return absl::OkStatus(); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("short.csv: CSV line 3"));
}

TEST(ForEachCsvRowTest, CallbackErrorsNameSourceAndLine) {
  CsvReader reader("a\nok\nbad\n");
  absl::Status status =
      ForEachCsvRow(reader, "f.csv", {"a"}, [](std::span<const std::string_view> c) {
        return c[0] == "bad" ? absl::InvalidArgumentError("no good") : absl::OkStatus();
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "f.csv: CSV line 3: no good");
}

TEST(ForEachCsvRowTest, MissingFileIsNotFound) {
  absl::Status status =
      ForEachCsvFileRow("/nonexistent/file.csv", {"a"},
                        [](std::span<const std::string_view>) { return absl::OkStatus(); });
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace pathways::taxonomy
