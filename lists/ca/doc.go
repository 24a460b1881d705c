// Package ca reads Canada's Consolidated Canadian Autonomous Sanctions List
// XML (sema-lsem.xml), published by Global Affairs Canada. It is not
// described in FORMATS.md; the structure below was read from the 2025 file
// (4,759 records).
//
// Structure: a root data-set element holding record elements, one per
// listing, each with these children (all text, each at most once):
//
//	Country                     regime, "English / French" ("Russia / Russie",
//	                            "Iran", "Justice for Victims of Corrupt Foreign
//	                            Officials Regulations (JVCFOR) / Règlement …")
//	LastName, GivenName         a person (3,334 records)
//	EntityOrShip                an entity or ship name (1,425), may embed
//	                            "(also known as X and Y)"
//	TitleOrShip                 a person's title or rank, or a ship's type
//	ShipIMONumber               a ship's IMO number (109 ships, Russia Schedule 1.1)
//	Aliases                     free text: names separated by ";", "," or " / ",
//	                            with language labels ("Russian: …", "Belarusian: …")
//	DateOfBirthOrShipBuildDate  "1957", "1965-04-29", "1972-05", "A or B", prose
//	Schedule                    "1, Part 2", "Part 1", "1.1", "2", "3"; absent for
//	                            regulations with a single list (Venezuela,
//	                            Zimbabwe, JVCFOR, Nicaragua, Guatemala, Sri Lanka,
//	                            South Sudan)
//	Item                        item number within the schedule
//	DateOfListing               YYYY-MM-DD
//
// The file states no publication date and no record count.
//
// Ref is "<regime>/<schedule>/<item>", unique in the file: regime is the
// English name without spaces, or its acronym when it ends in one
// ("Russia", "Myanmar", "SouthSudan", "JVCFOR"); schedule is "S-P" for
// "Schedule S, Part P" (so Iran "1, Part 2" item 89 is ca:Iran/1-2/89),
// "S" for a schedule alone ("1.1", "2") and "pP" for a part alone (Syria
// "Part 2" item 1 is ca:Syria/p2/1); it is left out when the record has none
// (ca:Venezuela/12).
//
// Measures: Schedule 1 (and the single schedule or parts of the other
// regulations) lists the persons subject to the dealings prohibition, i.e.
// an asset freeze. Russia's Schedules 2 and 3 are sectoral debt and equity
// restrictions on named companies, not an asset freeze, so they get no
// measure. Ships (Russia Schedule 1.1) are treated as asset freeze too: the
// regulation prohibits dealing with and providing services to them.
// Persons also get MeasureTravelBan: since Bill S-8 (in force 2023) the
// Immigration and Refugee Protection Act, s. 35.1(1), makes a foreign
// national inadmissible to Canada while subject to an order or regulation
// under section 4 of the Special Economic Measures Act or of the Justice for
// Victims of Corrupt Foreign Officials Act. It binds foreign nationals only,
// not Canadian citizens or permanent residents.
package ca
