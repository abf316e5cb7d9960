-- ai-commit for Neovim (0.10 or later): one key stages everything, drafts the message with
-- `ai-commit`, commits and pushes, without ever blocking the editor. Every step runs through
-- vim.system with a callback (never :wait()), so you keep editing while the model thinks;
-- `require("ai-commit").status()` says what it is doing, for a statusline, and the outcome is
-- one notification. Nothing is committed unless ai-commit exits 0 with a non-empty message on
-- stdout: its errors and its one status line go to stderr, never into a commit.
--
-- Install: put this directory (the one holding lua/) on the runtimepath, or copy this file to
-- ~/.config/nvim/lua/ai-commit.lua, then in init.lua:
--
--   require("ai-commit").setup({ key = "<leader>gc" })
--
-- setup() runs `ai-commit warm` (it returns at once and loads the model in the background), and
-- again when a git buffer opens (a commit message, fugitive, a rebase todo), at most every five
-- minutes.

local M = {}

M.config = {
  -- The normal-mode key; false for none (call require("ai-commit").commit() yourself).
  key = "<leader>gc",
  -- The ai-commit command, as a list.
  cmd = { "ai-commit" },
  -- Seconds the model may take (`ai-commit --timeout`); the fallback summary comes after it.
  timeout = 60,
  -- Push after committing.
  push = true,
  -- Run `ai-commit warm` at setup and when a git buffer opens.
  warm = true,
}

local busy = nil -- what is being done, or nil
local spinner = { "|", "/", "-", "\\" }
local frame = 1
local timer = nil
local last_warm = nil
local WARM_EVERY_NS = 5 * 60 * 1e9

--- What ai-commit is doing now ("" when idle), for a statusline.
function M.status()
  if not busy then
    return ""
  end
  return "ai-commit " .. spinner[frame] .. " " .. busy
end

local function show_progress()
  vim.api.nvim_echo({ { M.status(), "MoreMsg" } }, false, {})
  vim.cmd("redrawstatus")
end

local function set_busy(what)
  busy = what
  if what and not timer then
    timer = vim.uv.new_timer()
    timer:start(
      0,
      150,
      vim.schedule_wrap(function()
        if busy then
          frame = frame % #spinner + 1
          show_progress()
        end
      end)
    )
  elseif not what and timer then
    timer:stop()
    timer:close()
    timer = nil
    vim.api.nvim_echo({ { "" } }, false, {})
    vim.cmd("redrawstatus")
  end
end

local function first_line(text)
  return vim.trim(text or ""):match("[^\n]*") or ""
end

-- Runs cmd in cwd and calls on_exit(result) on the main loop; a command that cannot start
-- (not installed) is a result with code -1 and the reason in stderr.
local function run(cmd, opts, on_exit)
  local ok, err = pcall(vim.system, cmd, {
    cwd = opts.cwd,
    stdin = opts.stdin,
    text = true,
  }, function(result)
    vim.schedule(function()
      on_exit(result)
    end)
  end)
  if not ok then
    vim.schedule(function()
      on_exit({ code = -1, stdout = "", stderr = tostring(err) })
    end)
  end
end

local function cmd_with(args)
  local cmd = vim.deepcopy(M.config.cmd)
  vim.list_extend(cmd, args)
  return cmd
end

-- The top of the repository of the current buffer (or of the working directory).
local function repo_root()
  local name = vim.api.nvim_buf_get_name(0)
  local start = (name ~= "" and vim.fn.filereadable(name) == 1) and vim.fs.dirname(name)
    or vim.fn.getcwd()
  return vim.fs.root(start, ".git") or start
end

--- Loads the model in the background; returns at once.
function M.warm()
  last_warm = vim.uv.hrtime()
  run(cmd_with({ "warm" }), { cwd = repo_root() }, function() end)
end

--- Stages everything, drafts, commits and pushes the current buffer's repository. Returns at
--- once; the outcome is one notification.
function M.commit()
  if busy then
    vim.notify("ai-commit: still " .. busy, vim.log.levels.WARN)
    return
  end
  local cwd = repo_root()
  local function done(message, level)
    set_busy(nil)
    vim.notify(message, level or vim.log.levels.INFO)
  end
  set_busy("staging")
  run({ "git", "add", "-A" }, { cwd = cwd }, function(add)
    if add.code ~= 0 then
      return done("ai-commit: git add failed: " .. first_line(add.stderr), vim.log.levels.ERROR)
    end
    set_busy("drafting the message")
    local draft_cmd = cmd_with({ "--timeout", tostring(M.config.timeout) })
    run(draft_cmd, { cwd = cwd }, function(draft)
      -- stderr holds ai-commit's one line: which model wrote it, or why the summary did.
      local said = first_line(draft.stderr)
      local message = vim.trim(draft.stdout or "")
      if draft.code ~= 0 or message == "" then
        if said == "" then
          said = "ai-commit gave no message"
        end
        return done(said .. "; nothing committed", vim.log.levels.WARN)
      end
      set_busy("committing")
      run(
        { "git", "commit", "--quiet", "--file", "-" },
        { cwd = cwd, stdin = message .. "\n" },
        function(commit)
          if commit.code ~= 0 then
            return done(
              "ai-commit: git commit failed: " .. first_line(commit.stderr),
              vim.log.levels.ERROR
            )
          end
          local subject = message:match("[^\n]*")
          local head = (said ~= "" and said .. "\n" or "") .. "committed: " .. subject
          if not M.config.push then
            return done(head)
          end
          set_busy("pushing")
          run({ "git", "push", "--quiet" }, { cwd = cwd }, function(push)
            if push.code ~= 0 then
              return done(
                head .. "\ngit push failed: " .. first_line(push.stderr),
                vim.log.levels.ERROR
              )
            end
            done(head .. "\npushed")
          end)
        end
      )
    end)
  end)
end

--- Sets the key and the warm-up; `opts` overrides fields of M.config.
function M.setup(opts)
  M.config = vim.tbl_deep_extend("force", M.config, opts or {})
  if type(M.config.cmd) == "string" then
    M.config.cmd = { M.config.cmd }
  end
  if M.config.key then
    vim.keymap.set("n", M.config.key, M.commit, { desc = "ai-commit: stage, commit and push" })
  end
  if M.config.warm then
    M.warm()
    vim.api.nvim_create_autocmd("FileType", {
      group = vim.api.nvim_create_augroup("ai-commit-warm", { clear = true }),
      pattern = { "gitcommit", "gitrebase", "fugitive" },
      callback = function()
        if not last_warm or vim.uv.hrtime() - last_warm > WARM_EVERY_NS then
          M.warm()
        end
      end,
    })
  end
end

return M
