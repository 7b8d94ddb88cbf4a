// A streaming RFC 4180 CSV reader.
//
// Reference data files (ESCO, geography) hold quoted cells with embedded
// newlines and use CRLF or LF record ends, so records can never be found by
// splitting on '\n'; this reader runs a character state machine instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <istream>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace pathways::taxonomy {

// Reads one record at a time from a string or a stream.
//
// Accepted input: fields separated by ',', records ended by "\r\n" or "\n"
// (the last record may lack one), fields optionally enclosed in '"' with '""'
// for a literal quote, and CR/LF kept verbatim inside quotes. A UTF-8 byte
// order mark at the very start is skipped. A blank line outside quotes yields
// no record, as in Python's csv module (which writes a lone empty cell as "").
//
// Rejected with InvalidArgument naming the line: a quote inside an unquoted
// field, text after a closing quote, an unterminated quoted field, and a bare
// CR outside quotes.
class CsvReader {
 public:
  // Reads from `text`, which must outlive the reader.
  explicit CsvReader(std::string_view text);
  // Reads from `in`, which must outlive the reader. Read errors on the stream
  // (badbit) are reported as DataLoss.
  explicit CsvReader(std::istream& in);

  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Reads the next record into `*fields` (replacing its contents; capacity is
  // reused, so pass the same vector each time). Returns true when a record was
  // read and false at the end of the input. After an error every later call
  // returns the same error.
  absl::StatusOr<bool> ReadRecord(std::vector<std::string>* fields);

  // 1-based line on which the last record returned started.
  int64_t record_line() const { return record_line_; }

 private:
  // Next byte, or -1 at the end of the input.
  int Get();
  // Next byte without consuming it, or -1 at the end of the input.
  int Peek();
  bool Refill();
  absl::Status Fail(int64_t line, std::string_view what);

  std::istream* stream_ = nullptr;
  std::string buffer_;       // Holds stream input; unused for string input.
  std::string_view window_;  // Bytes not yet consumed.
  bool started_ = false;     // Whether the BOM check has run.
  int64_t line_ = 1;         // Line of the next unconsumed byte.
  int64_t record_line_ = 0;
  absl::Status error_;
};

// Maps header names to column positions.
class CsvHeader {
 public:
  // Fails on an empty or duplicated column name.
  static absl::StatusOr<CsvHeader> FromRecord(const std::vector<std::string>& names);

  // Position of the column called `name`, or NotFound.
  absl::StatusOr<size_t> Index(std::string_view name) const;

  // Positions of `names`, in the same order; NotFound names every missing one.
  absl::StatusOr<std::vector<size_t>> Indices(std::initializer_list<std::string_view> names) const;

  size_t size() const { return names_.size(); }

 private:
  explicit CsvHeader(std::vector<std::string> names) : names_(std::move(names)) {}

  // Headers are a handful of columns: a linear scan beats a hash map.
  std::vector<std::string> names_;
};

// Called with one data record's cells, in the order the columns were named.
using CsvRowFn = absl::FunctionRef<absl::Status(std::span<const std::string_view> cells)>;

// Reads a header record naming at least `columns`, then calls `fn` for every
// data record. Every record must have as many fields as the header, so a
// truncated or shifted row is an error rather than silently wrong data. Errors
// (the reader's and `fn`'s) are prefixed with `source_name` and the record's
// line; the first one stops the scan.
absl::Status ForEachCsvRow(CsvReader& reader, std::string_view source_name,
                           std::initializer_list<std::string_view> columns, CsvRowFn fn);

// As above, reading the file at `path`; a file that cannot be opened is
// NotFound.
absl::Status ForEachCsvFileRow(const std::string& path,
                               std::initializer_list<std::string_view> columns, CsvRowFn fn);

// Escapes `field` for output: quoted only when it holds a comma, quote, CR or
// LF. Used by tests and tools that write CSV the reader accepts.
std::string CsvEscape(std::string_view field);

}  // namespace pathways::taxonomy
