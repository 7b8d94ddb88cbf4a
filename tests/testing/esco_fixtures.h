// Real ESCO v1.1.1 concepts, as shipped in data/esco/, that tests build
// requests from and check answers against.
#pragma once

namespace pathways::testing {

inline constexpr char kSkillUriPrefix[] = "http://data.europa.eu/esco/skill/";
inline constexpr char kOccupationUriPrefix[] = "http://data.europa.eu/esco/occupation/";

// --- Skills ---

// "install heat pump".
inline constexpr char kInstallHeatPump[] =
    "http://data.europa.eu/esco/skill/00735755-adc6-4ea0-b034-b8caff339c9f";
inline constexpr char kInstallHeatPumpUuid[] = "00735755-adc6-4ea0-b034-b8caff339c9f";
inline constexpr char kHeatPumpFeasibilityUuid[] = "395ace35-e463-4dc7-8181-c2dd43885107";
// "repair wiring".
inline constexpr char kRepairWiring[] =
    "http://data.europa.eu/esco/skill/af1c7b89-679b-4fae-b67c-ed05c669719c";
// "inspect electrical supplies", essential for electricians.
inline constexpr char kInspectSupplies[] =
    "http://data.europa.eu/esco/skill/2179e0fd-7431-41a3-bbf4-76451c615ce2";
inline constexpr char kOnlineDataAnalysis[] =
    "http://data.europa.eu/esco/skill/062320e5-79d1-45e8-8b7e-5deeb53279a2";
// "use spreadsheets software".
inline constexpr char kSpreadsheets[] =
    "http://data.europa.eu/esco/skill/1973c966-f236-40c9-b2d4-5d71a89019be";
inline constexpr char kSpreadsheetsUuid[] = "1973c966-f236-40c9-b2d4-5d71a89019be";
inline constexpr char kCustomerService[] =
    "http://data.europa.eu/esco/skill/15a33d76-4640-438d-ae64-fdc0c1d3eebc";
inline constexpr char kProgramming[] =
    "http://data.europa.eu/esco/skill/21d2f96d-35f7-4e3f-9745-c533d2dd6e97";

// --- Skill groups ---

// S1.11.2 "designing electrical or electronic systems or equipment".
inline constexpr char kDesigningElectricalGroup[] =
    "http://data.europa.eu/esco/skill/39fa260c-4f85-48e3-83ce-e292e696c233";
// S2.8.1 "testing electrical and mechanical systems or equipment".
inline constexpr char kTestingGroup[] =
    "http://data.europa.eu/esco/skill/f7fc7bf8-f41d-44af-81e3-09b88e9779e6";
inline constexpr char kTestingGroupCode[] = "S2.8.1";

// --- Occupations ---

inline constexpr char kElectrician[] =
    "http://data.europa.eu/esco/occupation/4910419f-b4af-4f59-b544-9dbebc8a74f0";
inline constexpr char kElectricianUuid[] = "4910419f-b4af-4f59-b544-9dbebc8a74f0";
inline constexpr int kElectricianEssentialSkills = 21;
inline constexpr int kElectricianOptionalSkills = 34;
inline constexpr char kPlumber[] =
    "http://data.europa.eu/esco/occupation/ed3cf43d-c2c1-4c46-82fc-1375e27e0290";

}  // namespace pathways::testing
