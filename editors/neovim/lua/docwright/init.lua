-- docwright for Neovim: starts `docwright lsp` for Python buffers, passes it
-- your settings, and adds commands for the server's workspace commands.
--
--   require("docwright").setup({ settings = { style = "numpy" } })
--
-- Neovim 0.11+ registers the server with vim.lsp.config and vim.lsp.enable;
-- 0.8 to 0.10 start it with vim.lsp.start from a FileType autocommand; 0.7
-- (best effort) with vim.lsp.start_client and vim.lsp.buf_attach_client.
-- What is used is chosen by what this Neovim has, not by its version number.

local M = {}

M.defaults = {
  -- The server's command line.
  cmd = { "docwright", "lsp" },
  -- docwright's settings (style, width, missingDocstrings, model, cache, ...):
  -- the keys of README.md#settings.
  settings = {},
  filetypes = { "python" },
  -- The nearest directory above a file holding one of these is its project.
  root_markers = { "pyproject.toml", "setup.py", "setup.cfg", ".git" },
}

-- The options setup() was given, with the defaults filled in.
M.options = nil
-- How setup() registered the server: "vim.lsp.config", "vim.lsp.start" or
-- "vim.lsp.start_client".
M.registration = nil

local own_options = { settings = true, filetypes = true, root_markers = true }

-- The client configuration for `opts`. Options that are not docwright's own
-- (on_attach, capabilities, handlers, ...) go to the client as they are.
function M.client_config(opts)
  local config = {}
  for key, value in pairs(opts) do
    if not own_options[key] then
      config[key] = value
    end
  end
  config.name = "docwright"
  if next(opts.settings) ~= nil then
    -- The server reads the table of keys itself as initializationOptions,
    -- and the `docwright` section of workspace/configuration (which Neovim
    -- answers from `settings`, and pushes on start and on change).
    config.init_options = opts.settings
    config.settings = { docwright = opts.settings }
  end
  return config
end

-- The nearest directory at or above the buffer's file that holds a marker,
-- else the file's directory.
local function find_root(bufnr, markers)
  local name = vim.api.nvim_buf_get_name(bufnr)
  local start = name ~= "" and vim.fn.fnamemodify(name, ":p:h") or vim.fn.getcwd()
  local uv = vim.uv or vim.loop
  local dir = start
  while true do
    for _, marker in ipairs(markers) do
      if uv.fs_stat(dir .. "/" .. marker) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ":h")
    if parent == dir then
      return start
    end
    dir = parent
  end
end

-- Neovim 0.7: the client started for each root, reused for its buffers.
local started = {}

local function start(bufnr, opts)
  if vim.bo[bufnr].buftype ~= "" then
    return
  end
  local config = M.client_config(opts)
  config.root_dir = find_root(bufnr, opts.root_markers)
  if vim.lsp.start then
    -- Reuses the client with the same name and root.
    vim.lsp.start(config, { bufnr = bufnr })
    return
  end
  local id = started[config.root_dir]
  local client = id and vim.lsp.get_client_by_id(id)
  if not client or client.is_stopped() then
    id = vim.lsp.start_client(config)
    started[config.root_dir] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
end

-- Neovim 0.11 made the client's functions methods (client:request(...));
-- before, they were fields called without the client.
local function call(client, name, ...)
  local class = getmetatable(client)
  if class and type(class.__index) == "table" and rawget(class.__index, name) then
    return client[name](client, ...)
  end
  return client[name](...)
end

-- The running docwright clients.
function M.clients()
  local get = vim.lsp.get_clients or vim.lsp.get_active_clients
  local found = {}
  for _, client in ipairs(get()) do
    if client.name == "docwright" then
      table.insert(found, client)
    end
  end
  return found
end

-- The docwright client attached to `bufnr`, or with `any`, any docwright client.
function M.client(bufnr, any)
  local clients = M.clients()
  for _, client in ipairs(clients) do
    if vim.lsp.buf_is_attached(bufnr, client.id) then
      return client
    end
  end
  return any and clients[1] or nil
end

-- Runs the server's command `command` (workspace/executeCommand) and calls
-- `on_done(err, result)` with its answer. The server shows its own messages
-- (a summary, progress); failures are reported here.
function M.execute(command, arguments, opts)
  opts = opts or {}
  local bufnr = opts.bufnr or vim.api.nvim_get_current_buf()
  local client = M.client(bufnr, opts.any_buffer)
  if not client then
    vim.notify("docwright is not running for this buffer (see :checkhealth docwright)", vim.log.levels.WARN)
    return false
  end
  local params = { command = command, arguments = arguments }
  call(client, "request", "workspace/executeCommand", params, function(err, result)
    if err then
      vim.notify(("docwright: %s: %s"):format(command, err.message or vim.inspect(err)), vim.log.levels.ERROR)
    end
    if opts.on_done then
      opts.on_done(err, result)
    end
  end, bufnr)
  return true
end

-- Documents every definition of the buffer that lacks a docstring.
function M.generate_file(opts)
  local bufnr = vim.api.nvim_get_current_buf()
  return M.execute("docwright.generateFile", { vim.uri_from_bufnr(bufnr) }, opts)
end

-- Documents every Python file of the workspace, with progress.
function M.generate_workspace(opts)
  opts = vim.tbl_extend("keep", opts or {}, { any_buffer = true })
  return M.execute("docwright.generateWorkspace", {}, opts)
end

-- The session's model requests, tokens, cost and cache figures.
function M.stats(opts)
  opts = vim.tbl_extend("keep", opts or {}, { any_buffer = true })
  return M.execute("docwright.showStats", {}, opts)
end

-- Whether a code action is docwright's: they all name docstrings.
function M.is_docwright_action(action)
  return type(action.title) == "string" and action.title:find("docstring", 1, true) ~= nil
end

-- The code action menu with only docwright's actions. Neovim 0.7's
-- code_action takes the request's context instead of options (it would send
-- the filter to the server), and shows every server's actions; 0.8 brought
-- options and vim.lsp.start together.
function M.code_action()
  if vim.lsp.start then
    vim.lsp.buf.code_action({ filter = M.is_docwright_action })
  else
    vim.lsp.buf.code_action()
  end
end

-- :DocwrightGenerateFile, :DocwrightGenerateWorkspace and :DocwrightStats.
-- setup() makes them; call this yourself when another plugin (such as
-- nvim-lspconfig) starts the server: the commands find it by its name.
function M.create_commands()
  local command = vim.api.nvim_create_user_command
  command("DocwrightGenerateFile", function()
    M.generate_file()
  end, { desc = "docwright: document what lacks a docstring in this file" })
  command("DocwrightGenerateWorkspace", function()
    M.generate_workspace()
  end, { desc = "docwright: document what lacks a docstring in the workspace" })
  command("DocwrightStats", function()
    M.stats()
  end, { desc = "docwright: the session's model requests, tokens, cost and cache figures" })
end

function M.setup(opts)
  opts = vim.tbl_extend("force", M.defaults, opts or {})
  M.options = opts
  if vim.lsp.config ~= nil and vim.lsp.enable ~= nil then
    local config = M.client_config(opts)
    config.filetypes = opts.filetypes
    config.root_markers = opts.root_markers
    vim.lsp.config("docwright", config)
    vim.lsp.enable("docwright")
    M.registration = "vim.lsp.config"
  else
    M.registration = vim.lsp.start and "vim.lsp.start" or "vim.lsp.start_client"
    local group = vim.api.nvim_create_augroup("docwright", { clear = true })
    vim.api.nvim_create_autocmd("FileType", {
      group = group,
      pattern = opts.filetypes,
      callback = function(args)
        start(args.buf, opts)
      end,
    })
    -- Buffers opened before setup().
    for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(opts.filetypes, vim.bo[bufnr].filetype) then
        start(bufnr, opts)
      end
    end
  end
  M.create_commands()
end

return M
