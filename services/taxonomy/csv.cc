#include "services/taxonomy/csv.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <utility>

#include "absl/strings/str_join.h"
#include "services/taxonomy/absl_compat.h"

namespace pathways::taxonomy {
namespace {

constexpr size_t kChunkSize = 64 * 1024;
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Returns the next field slot of `fields`, cleared, reusing its storage.
std::string* NextField(std::vector<std::string>* fields, size_t* used) {
  if (*used == fields->size()) {
    fields->emplace_back();
  } else {
    (*fields)[*used].clear();
  }
  return &(*fields)[(*used)++];
}

}  // namespace

CsvReader::CsvReader(std::string_view text) : window_(text) {}

CsvReader::CsvReader(std::istream& in) : stream_(&in) {}

bool CsvReader::Refill() {
  if (stream_ == nullptr || !window_.empty()) return !window_.empty();
  if (!stream_->good()) return false;
  buffer_.resize(kChunkSize);
  stream_->read(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  window_ = std::string_view(buffer_.data(), static_cast<size_t>(stream_->gcount()));
  return !window_.empty();
}

int CsvReader::Get() {
  if (window_.empty() && !Refill()) return -1;
  const unsigned char c = static_cast<unsigned char>(window_.front());
  window_.remove_prefix(1);
  return c;
}

int CsvReader::Peek() {
  if (window_.empty() && !Refill()) return -1;
  return static_cast<unsigned char>(window_.front());
}

absl::Status CsvReader::Fail(int64_t line, std::string_view what) {
  error_ = absl::InvalidArgumentError(internal::StrCat("CSV line ", line, ": ", what));
  return error_;
}

absl::StatusOr<bool> CsvReader::ReadRecord(std::vector<std::string>* fields) {
  if (!error_.ok()) return error_;
  // A failed stream read looks like the end of the input to the state
  // machine; this turns it into an error wherever the machine stops.
  auto stream_failed = [this] {
    if (stream_ != nullptr && stream_->bad()) {
      error_ = absl::DataLossError(internal::StrCat("CSV line ", line_, ": stream read failed"));
      return true;
    }
    return false;
  };

  if (!started_) {
    started_ = true;
    // The first chunk holds the whole BOM unless the input is shorter.
    if (window_.empty()) Refill();
    if (window_.substr(0, kUtf8Bom.size()) == kUtf8Bom) window_.remove_prefix(kUtf8Bom.size());
  }

  // Skip blank lines between records.
  for (;;) {
    const int c = Peek();
    if (c == -1) {
      if (stream_failed()) return error_;
      fields->clear();
      return false;
    }
    if (c == '\n') {
      Get();
      ++line_;
    } else if (c == '\r') {
      Get();
      if (Peek() != '\n') return Fail(line_, "bare CR outside quotes");
      Get();
      ++line_;
    } else {
      break;
    }
  }

  record_line_ = line_;
  size_t used = 0;
  std::string* field = NextField(fields, &used);
  enum class State { kFieldStart, kUnquoted, kQuoted, kAfterQuote };
  State state = State::kFieldStart;
  int64_t quote_line = 0;

  for (;;) {
    const int c = Get();
    bool end_of_record = false;
    switch (state) {
      case State::kQuoted:
        if (c == -1) {
          if (stream_failed()) return error_;
          return Fail(quote_line, "unterminated quoted field");
        }
        if (c == '"') {
          state = State::kAfterQuote;
        } else {
          if (c == '\n') ++line_;
          field->push_back(static_cast<char>(c));
        }
        continue;
      case State::kFieldStart:
        if (c == '"') {
          state = State::kQuoted;
          quote_line = line_;
          continue;
        }
        state = State::kUnquoted;
        break;
      case State::kAfterQuote:
        if (c == '"') {
          field->push_back('"');
          state = State::kQuoted;
          continue;
        }
        if (c != ',' && c != '\n' && c != '\r' && c != -1) {
          return Fail(line_, "unexpected character after closing quote");
        }
        break;
      case State::kUnquoted:
        break;
    }

    // Outside quotes: kUnquoted, or the end of a field after a closing quote.
    switch (c) {
      case -1:
        end_of_record = true;
        break;
      case ',':
        field = NextField(fields, &used);
        state = State::kFieldStart;
        break;
      case '\n':
        ++line_;
        end_of_record = true;
        break;
      case '\r':
        if (Peek() != '\n') return Fail(line_, "bare CR outside quotes");
        Get();
        ++line_;
        end_of_record = true;
        break;
      case '"':
        return Fail(line_, "quote inside unquoted field");
      default:
        field->push_back(static_cast<char>(c));
        break;
    }
    if (end_of_record) break;
  }
  if (stream_failed()) return error_;
  fields->resize(used);
  return true;
}

absl::StatusOr<CsvHeader> CsvHeader::FromRecord(const std::vector<std::string>& names) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty()) {
      return absl::InvalidArgumentError(internal::StrCat("CSV header column ", i + 1, " is empty"));
    }
    for (size_t j = 0; j < i; ++j) {
      if (names[j] == names[i]) {
        return absl::InvalidArgumentError(
            internal::StrCat("CSV header has column \"", names[i], "\" twice"));
      }
    }
  }
  return CsvHeader(names);
}

absl::StatusOr<size_t> CsvHeader::Index(std::string_view name) const {
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return i;
  }
  return absl::NotFoundError(internal::StrCat("CSV header has no column \"", name, "\""));
}

absl::StatusOr<std::vector<size_t>> CsvHeader::Indices(
    std::initializer_list<std::string_view> names) const {
  std::vector<size_t> indices;
  std::vector<std::string> missing;
  for (std::string_view name : names) {
    absl::StatusOr<size_t> index = Index(name);
    if (index.ok()) {
      indices.push_back(*index);
    } else {
      missing.emplace_back(name);
    }
  }
  if (!missing.empty()) {
    return absl::NotFoundError(
        internal::StrCat("CSV header lacks column(s) ", absl::StrJoin(missing, ", ")));
  }
  return indices;
}

absl::Status ForEachCsvRow(CsvReader& reader, std::string_view source_name,
                           std::initializer_list<std::string_view> columns, CsvRowFn fn) {
  auto annotate = [&](const absl::Status& status) {
    return absl::Status(status.code(), internal::StrCat(source_name, ": ", status.message()));
  };
  std::vector<std::string> record;
  absl::StatusOr<bool> has_record = reader.ReadRecord(&record);
  if (!has_record.ok()) return annotate(has_record.status());
  if (!*has_record) return annotate(absl::InvalidArgumentError("no header record"));
  absl::StatusOr<CsvHeader> header = CsvHeader::FromRecord(record);
  if (!header.ok()) return annotate(header.status());
  absl::StatusOr<std::vector<size_t>> indices = header->Indices(columns);
  // A missing column makes the file malformed, whatever the lookup said.
  if (!indices.ok()) return annotate(absl::InvalidArgumentError(indices.status().message()));

  std::vector<std::string_view> cells(indices->size());
  for (;;) {
    has_record = reader.ReadRecord(&record);
    if (!has_record.ok()) return annotate(has_record.status());
    if (!*has_record) return absl::OkStatus();
    if (record.size() != header->size()) {
      return annotate(absl::InvalidArgumentError(
          internal::StrCat("CSV line ", reader.record_line(), ": ", record.size(),
                           " fields where the header has ", header->size())));
    }
    for (size_t i = 0; i < indices->size(); ++i) cells[i] = record[(*indices)[i]];
    absl::Status status = fn(cells);
    if (!status.ok()) {
      return annotate(absl::Status(
          status.code(),
          internal::StrCat("CSV line ", reader.record_line(), ": ", status.message())));
    }
  }
}

absl::Status ForEachCsvFileRow(const std::string& path,
                               std::initializer_list<std::string_view> columns, CsvRowFn fn) {
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) {
    return absl::NotFoundError(internal::StrCat(path, ": cannot open: ", std::strerror(errno)));
  }
  CsvReader reader(in);
  return ForEachCsvRow(reader, path, columns, fn);
}

std::string CsvEscape(std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(field);
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace pathways::taxonomy
