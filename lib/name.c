// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "name.h"

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int eg_name_parse(const char *s, struct eg_name_pat *out, char *err, size_t errlen)
{
	const char *orig = s, *label;
	size_t len, i;

	memset(out, 0, sizeof(*out));
	if (s[0] == '=') {
		out->form = EG_NF_EXACT;
		s++;
	} else if (s[0] == '*' && s[1] == '.') {
		out->form = EG_NF_SUB;
		s += 2;
	}
	len = strlen(s);
	/* One trailing dot is how DNS spells a full name; it changes nothing. */
	if (len && s[len - 1] == '.')
		len--;
	if (!len) {
		snprintf(err, errlen, "'%s' is not a name", orig);
		return -EINVAL;
	}
	if (len > EG_NAME_MAX) {
		snprintf(err, errlen, "'%.40s...' is longer than %d characters", orig, EG_NAME_MAX);
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		char c = s[i];

		out->name[i] = c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
	}
	out->name[len] = '\0';
	out->len = len;
	label = out->name;
	for (i = 0; i <= len; i++) {
		char c = out->name[i];

		if (c == '.' || c == '\0') {
			size_t l = &out->name[i] - label;

			if (!l) {
				snprintf(err, errlen, "'%s' has an empty label", orig);
				return -EINVAL;
			}
			if (l > 63) {
				snprintf(err, errlen, "'%s' has a label longer than 63 characters", orig);
				return -EINVAL;
			}
			label = &out->name[i + 1];
			continue;
		}
		if (!name_char(c)) {
			snprintf(err, errlen,
				 "'%s': '%c' is not allowed in a name (letters, digits, '-', '_'; "
				 "'*.' or '=' only in front)", orig, c);
			return -EINVAL;
		}
	}
	return 0;
}

void eg_name_format(const struct eg_name_pat *p, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", p->form == EG_NF_EXACT ? "=" : p->form == EG_NF_SUB ? "*." : "",
		 p->name);
}

int eg_name_cmp(const struct eg_name_pat *a, const struct eg_name_pat *b)
{
	int r = strcmp(a->name, b->name);

	return r ? r : a->form - b->form;
}
