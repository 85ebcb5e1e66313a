-- Drives the docwright plugin (editors/neovim) the way a user does: setup{}
-- in the config, open a Python file, pick "Generate docstring" from the code
-- action menu, :DocwrightGenerateFile, :DocwrightStats, :checkhealth.
-- Environment: PLUGIN_DIR, DOCWRIGHT_BIN, TARGET_FILE, TARGET_LINE (1-based),
-- RESULT_FILE, and HIDE_LSP_CONFIG=1 to hide vim.lsp.config and
-- vim.lsp.enable as Neovim 0.8 to 0.10 lack them.
local lines = {}
local function note(line)
  table.insert(lines, line)
end
local function finish(status)
  local out = io.open(os.getenv("RESULT_FILE"), "w")
  out:write(status .. "\n" .. table.concat(lines, "\n") .. "\n")
  out:close()
  vim.cmd("qall!")
end
local function changed(bufnr, tick, what)
  if not vim.wait(15000, function() return vim.api.nvim_buf_get_changedtick(bufnr) ~= tick end, 20) then
    error(what .. " did not change the buffer")
  end
end

local ok, err = pcall(function()
  vim.opt.runtimepath:prepend(os.getenv("PLUGIN_DIR"))
  if os.getenv("HIDE_LSP_CONFIG") == "1" then
    vim.lsp.config = nil
    vim.lsp.enable = nil
  end
  local messages = {}
  vim.lsp.handlers["window/showMessage"] = function(_, result)
    table.insert(messages, result.message)
  end
  local v = vim.version()
  note(("version: %d.%d.%d"):format(v.major, v.minor, v.patch))

  local docwright = require("docwright")
  docwright.setup({ cmd = { os.getenv("DOCWRIGHT_BIN"), "lsp" }, settings = { style = "numpy" } })
  note("registration: " .. docwright.registration)

  vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("TARGET_FILE")))
  local bufnr = vim.api.nvim_get_current_buf()
  local attached = vim.wait(10000, function()
    local client = docwright.client(bufnr)
    return client ~= nil and client.initialized
  end, 20)
  if not attached then error("setup{} did not attach the server to the Python buffer") end
  note("root: " .. docwright.client(bufnr).config.root_dir)

  -- The menu: the first docwright action named "Generate docstring".
  local titles = {}
  vim.ui.select = function(items, opts, on_choice)
    local chosen
    for i, item in ipairs(items) do
      local title = opts.format_item(item)
      table.insert(titles, title)
      if chosen == nil and title:find("^Generate docstring for") then chosen = i end
    end
    on_choice(chosen and items[chosen], chosen)
  end
  vim.api.nvim_win_set_cursor(0, { tonumber(os.getenv("TARGET_LINE")), 4 })
  local tick = vim.api.nvim_buf_get_changedtick(bufnr)
  docwright.code_action()
  changed(bufnr, tick, "the code action")
  note("menu: " .. table.concat(titles, " | "))
  vim.cmd("write")

  tick = vim.api.nvim_buf_get_changedtick(bufnr)
  vim.cmd("DocwrightGenerateFile")
  changed(bufnr, tick, ":DocwrightGenerateFile")
  vim.wait(300)
  vim.cmd("write")

  local before = #messages
  vim.cmd("DocwrightStats")
  if not vim.wait(10000, function() return #messages > before end, 20) then error(":DocwrightStats got no answer") end
  note("stats: " .. messages[#messages])
  local answered
  docwright.stats({ on_done = function(e, result) answered = { err = e, result = result } end })
  if not vim.wait(10000, function() return answered ~= nil end, 20) then error("docwright.showStats got no answer") end
  note("stats answer: " .. (answered.err and vim.inspect(answered.err) or vim.inspect(answered.result)))

  vim.cmd("checkhealth docwright")
  for _, line in ipairs(vim.api.nvim_buf_get_lines(0, 0, -1, false)) do
    if line:find("%S") then note("health: " .. line) end
  end

  local ids = {}
  for _, client in ipairs(docwright.clients()) do table.insert(ids, client.id) end
  vim.lsp.stop_client(ids)
  vim.wait(3000, function() return #docwright.clients() == 0 end, 20)
end)
if ok then finish("ok") else finish("error: " .. tostring(err)) end
