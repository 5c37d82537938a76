// `spime backup DIR`: an online backup of a running engine (POST /api/backup,
// EngineApi::backup): DIR, on the engine's machine, becomes a consistent
// copy of its data directory, which `spime serve --data DIR` serves.
//
// DIR is sent absolute (a relative one is taken from the current
// directory). Prints "DIR: sequence N, M ms" (--json: the engine's answer).
// Exit codes as every client command (command.h): 1 when the engine refuses
// (a path that exists, or not writable; a backup already running; an I/O
// error), 3 when no engine answers. Called once, from main, before parsing.
#pragma once

#include "cli/command.h"

namespace spime::cli {

void add_backup_command(CLI::App& app, Outcome* out);

}  // namespace spime::cli
