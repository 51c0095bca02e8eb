/*
 * route_backups.c — the vault's backups as a tenant sees them over HTTP: when
 * each was made and until when the rotation keeps it, and the erasure
 * horizon. Making, pruning and restoring stay with the operator (the CLI).
 * Same contract as every route file: the router authenticated, isolated and
 * checked the operation; these call the library and shape the answer.
 */
#include <stdio.h>
#include <stdlib.h>

#include "server.h"

struct backups {
	json_t *list;
	gd_time last, horizon;
};

static int add_backup(void *ud, const gd_backup_info *b)
{
	struct backups *acc = ud;
	json_t *kinds = json_array();
	if (b->kinds & GD_BACKUP_DAILY)
		json_array_append_new(kinds, json_string("daily"));
	if (b->kinds & GD_BACKUP_WEEKLY)
		json_array_append_new(kinds, json_string("weekly"));
	if (b->kinds & GD_BACKUP_MONTHLY)
		json_array_append_new(kinds, json_string("monthly"));
	if (b->created_at > acc->last)
		acc->last = b->created_at;
	if (b->kept_until > acc->horizon)
		acc->horizon = b->kept_until;
	return json_array_append_new(acc->list, json_pack("{s:o,s:o,s:o}", "created_at", api_time_json(b->created_at),
	                                                  "kinds", kinds, "kept_until", api_time_json(b->kept_until)));
}

/*
 * The backups of the vault as `gardien backup` sees them (GARDIEN_BACKUP_DIR or
 * <vault>.backups, rotation GARDIEN_BACKUP_ROTATION or 7,4,3): when each was
 * made and until when the rotation keeps it. No file names, sizes or paths:
 * they are the operator's. `horizon` is the date after which no backup of
 * today holds data erased now.
 */
int route_backup_status(struct api_ctx *c)
{
	gd_backup_policy p = GD_BACKUP_POLICY_INIT;
	char dir[4200];
	const char *env = getenv("GARDIEN_BACKUP_DIR"), *rot = getenv("GARDIEN_BACKUP_ROTATION");
	if (env && *env)
		snprintf(dir, sizeof dir, "%s", env);
	else
		snprintf(dir, sizeof dir, "%s.backups", api_vault_path ? api_vault_path : "gardien.db");
	if (rot && *rot) {
		int d, w, m;
		char end;
		if (sscanf(rot, "%d,%d,%d%c", &d, &w, &m, &end) != 3 || d < 1 || w < 0 || m < 0)
			return api_error(c, 500, "internal", "the server's GARDIEN_BACKUP_ROTATION is not DAYS,WEEKS,MONTHS");
		p.daily_days = d, p.weekly_weeks = w, p.monthly_months = m;
	}
	struct backups acc = {json_array(), 0, 0};
	if (gd_backup_list(c->rq->v, dir, &p, add_backup, &acc) < 0) {
		json_decref(acc.list);
		return api_error(c, 500, "internal", "the backup directory cannot be read: see the server's operator");
	}
	c->out = json_pack("{s:{s:i,s:i,s:i},s:I,s:o,s:o,s:o}", "policy", "daily_days", p.daily_days, "weekly_weeks",
	                   p.weekly_weeks, "monthly_months", p.monthly_months, "count",
	                   (json_int_t)json_array_size(acc.list), "last", api_time_json(acc.last), "horizon",
	                   api_time_json(acc.horizon), "backups", acc.list);
	return 200;
}
