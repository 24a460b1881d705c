// Package ofac reads the lists of the US Treasury's Office of Foreign Assets
// Control (OFAC) in their three public formats:
//
//   - the legacy CSV set ("ofac_csv"): sdn.csv with add.csv, alt.csv and
//     sdn_comments.csv, or the consolidated non-SDN twins cons_prim.csv,
//     cons_add.csv, cons_alt.csv and cons_comments.csv (SniffCSV, ReadCSV);
//   - the legacy XML ("ofac_xml"): SDN.XML and CONSOLIDATED.XML (SniffXML,
//     ReadXML);
//   - the Sanctions List Service's Enhanced XML ("ofac_enhanced_xml"), plain or
//     zipped (SniffEnhanced, ReadEnhanced).
//
// Every entity's Ref is OFAC's ent_num (the uid of the XML, the entity id of
// the Enhanced XML), so the three formats give the same entity ids. The
// legacy CSV carries most facts in the free-text Remarks column; ParseRemarks
// reads its micro-grammar (FORMATS.md §2.4). The same facts arrive as idList
// rows in the legacy XML and as features in the Enhanced XML; all three share
// one table of labels (facts.go).
package ofac
