-- :checkhealth docwright: is the server installed, which version, and is it
-- running for your buffers.
local M = {}

-- Neovim 0.10 renamed health.report_start and friends to vim.health.start;
-- 0.7 has only require("health").
local health = vim.health or require("health")
local report = {
  start = health.start or health.report_start,
  ok = health.ok or health.report_ok,
  info = health.info or health.report_info,
  warn = health.warn or health.report_warn,
  error = health.error or health.report_error,
}

function M.check()
  local docwright = require("docwright")
  report.start("docwright")
  local opts = docwright.options
  if opts then
    report.ok("set up with " .. docwright.registration)
  else
    report.warn('require("docwright").setup() has not run', { "call it from your init.lua" })
    opts = docwright.defaults
  end

  local exe = opts.cmd[1]
  if vim.fn.executable(exe) ~= 1 then
    report.error(exe .. " is not found", {
      "install it: cargo install --locked --path . in docwright's repository",
      'or give its full path: require("docwright").setup({ cmd = { "/path/to/docwright", "lsp" } })',
    })
  else
    local version = vim.fn.system({ exe, "--version" })
    if vim.v.shell_error == 0 then
      report.ok(("%s (%s)"):format(vim.trim(version), vim.fn.exepath(exe)))
    else
      report.error(("%s --version failed: %s"):format(exe, vim.trim(version)))
    end
  end

  local clients = docwright.clients()
  if #clients == 0 then
    report.warn("no docwright server is running", { "open a Python file (filetypes: " .. table.concat(opts.filetypes, ", ") .. ")" })
    return
  end
  for _, client in ipairs(clients) do
    local names = {}
    for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
      if vim.lsp.buf_is_attached(bufnr, client.id) then
        table.insert(names, vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ":~:."))
      end
    end
    local root = client.config.root_dir or "no root"
    if #names == 0 then
      report.warn(("server %d (%s) is attached to no buffer"):format(client.id, root))
    else
      report.ok(("server %d (%s) attached to %s"):format(client.id, root, table.concat(names, ", ")))
    end
  end
end

return M
