package batch

// FieldOf returns the record field ("name", "dob", …; see Fields) that a
// column with this header is read into under opts, or "" for a column that
// is kept in the input only.
func FieldOf(header string, opts Options) string {
	if f := newMapper(opts).field(header); f >= 0 {
		return Fields[f]
	}
	return ""
}
