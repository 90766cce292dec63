#!/bin/sh
# docs.sh - the docs and the code in step (docs/hacking.md: every contract a
# user relies on is documented in docs/, and a test checks it). What must be
# documented is asked of the running program, never typed in here:
#
#   - every ISA and model (vlab.isas(), vlab.models()): a docs/<isa>.md that
#     names each model as ISA:MODEL; each ISA and model in docs/vlab.1, each
#     ISA in docs/lua-api.md;
#   - every register of every model (pairs(m.regs), and the aliases "sp" and
#     "pc" where the machine resolves them) in the "## Registers" section of
#     docs/<isa>.md, in the first column of its first table (`a0`-`a6` is a
#     range); and the other way: every name in that column is a register (or
#     alias) of some model of the ISA;
#   - every function of the module table `vlab` (pairs(vlab)) as `vlab.NAME`
#     in docs/lua-api.md, every method of a machine, a VM and a guest (their
#     metatables' method tables) as `m:NAME` / `vm:NAME` / `vm.guest:NAME`;
#     and every `vlab.NAME`, `m:NAME` and `vm:NAME` that page names exists;
#   - every command and option of `vlab --help` in docs/vlab.1 (a command in
#     the SYNOPSIS as `.B vlab CMD` and described under `.TP`/`.B CMD`);
#   - every stop reason name (vlab_stop_name) as a row of the reason table of
#     docs/lua-api.md, and every row a reason; every instruction class name
#     (vl_class_name) in the class list of docs/popek-goldberg.md: both
#     asked of the C library;
#   - every option of every function (vlab.options, the lists the functions
#     check their options tables with) as a row of the "## Options" table of
#     docs/lua-api.md, and every row an option;
#   - every event of m:on and vm:on (the names from their own errors) with
#     the fields a probe guest's events really carry, against the Events
#     table and the vm:on row of docs/lua-api.md, both ways;
#   - the CLI's command table (its unknown-command error) against the
#     commands of `vlab --help` and the SYNOPSIS of docs/vlab.1, both ways;
#     every model named by `vlab --help`;
#   - every technique of the registry (vlab.techniques()) named in
#     docs/techniques.md (the handout) and docs/vmm.md;
#   - no page refers to a file outside the repository (../shared, DESIGN).
#
# A gap is a FAIL line that names what is undocumented and where it belongs.
NAME=docs
. tests/testlib.sh
DOCS=${DOCS:-docs}

for f in "$VLAB" "$BUILD/libvlab.a"; do
    [ -e "$f" ] || { echo "$NAME: FAIL: $f not built (make)"; exit 1; }
done

# ---- the names the C library gives: stop reasons and instruction classes
cat >"$T/names.c" <<'EOF'
/* names.c - print the stop reason and instruction class names of libvlab. */
#include "core/core.h"
#include <stdio.h>
#include <string.h>
int main(void) {
    /* reason 0 (VLAB_STOP_NONE) is no stop: every run turns it into "budget" */
    for (int r = 1; strcmp(vlab_stop_name(r), "?") != 0; r++) printf("stop %s\n", vlab_stop_name(r));
    for (int c = 0; c < VL_CLASS_COUNT; c++) printf("class %s\n", vl_class_name(c));
    return 0;
}
EOF
# an instrumented library (make check-asan) needs the sanitizers' runtimes
SAN_FLAGS=""
nm "$BUILD/libvlab.a" 2>/dev/null | grep -q ' U __asan_' && SAN_FLAGS="$SAN_FLAGS -fsanitize=address"
nm "$BUILD/libvlab.a" 2>/dev/null | grep -q ' U __ubsan_' && SAN_FLAGS="$SAN_FLAGS -fsanitize=undefined"
# shellcheck disable=SC2086
if ${CC:-cc} -std=c11 -D_GNU_SOURCE -I include -I . $SAN_FLAGS -o "$T/names" "$T/names.c" \
    "$BUILD/libvlab.a" -lm -lpthread 2>"$T/cc.err" && "$T/names" >"$T/names.txt"; then
    ok
else
    bad "cannot build or run the helper that asks libvlab for its names: $(head -5 "$T/cc.err")"
    : >"$T/names.txt"
fi

"$VLAB" --help >"$T/help.txt" 2>&1 || bad "vlab --help exits non-zero"
# the CLI's own command table, as its unknown-command error lists it
"$VLAB" no-such-command >/dev/null 2>"$T/cli.txt"
[ $? -eq 2 ] || bad "vlab no-such-command does not exit 2 (usage error)"

# ---- the docs are the whole contract: none sends its reader outside the
# repository (to the design notes the sessions keep beside it)
for f in "$DOCS"/*.md "$DOCS"/vlab.1 README.md; do
    [ -f "$f" ] || continue
    if grep -n -e '\.\./shared' -e 'DESIGN §' -e 'DESIGN\.md' "$f" >"$T/ref.txt"; then
        bad "$f refers to a file outside the repository: $(head -3 "$T/ref.txt" | tr '\n' ' ')"
    else
        ok
    fi
done

# ---- everything else through the Lua module
cat >"$T/docs.lua" <<'EOF'
local docs, help_path, names_path, cli_path = ...
local pass, fails = 0, {}
local function check(cond, msg)
    if cond then pass = pass + 1 else fails[#fails + 1] = msg end
end
local function slurp(path)
    local f = io.open(path, "rb")
    if not f then return nil end
    local s = f:read("a")
    f:close()
    return s
end
local function plain_find(text, s) return text and text:find(s, 1, true) ~= nil end
-- s occurs in text, not followed by an identifier character (m:run, not m:run_all)
local function find_word_end(text, s)
    if not text then return false end
    local i = 1
    while true do
        local a, b = text:find(s, i, true)
        if not a then return false end
        if not text:sub(b + 1, b + 1):match("[%w_]") then return true end
        i = b + 1
    end
end

-- the "## Registers" section of a page, and the names in the first column
-- of its first table
local function register_names(text)
    local sec = text and text:match("\n## Registers[^\n]*\n(.-)\n## ") or text and text:match("\n## Registers[^\n]*\n(.*)$")
    if not sec then return nil end
    local names, in_table = {}, false
    for line in (sec .. "\n"):gmatch("([^\n]*)\n") do
        local first = line:match("^|([^|]*)|")
        if not first and in_table then break end
        in_table = first ~= nil
        if first and not first:match("^%s*%-%-") then
            -- `p0x`-`p7x`: a range, both ends with the same prefix and suffix
            first = first:gsub("`(%a[%a_]-)(%d+)([%a_]*)`%s*%-%s*`(%a[%a_]-)(%d+)([%a_]*)`",
                function(p1, n1, s1, p2, n2, s2)
                    if p1 ~= p2 or s1 ~= s2 then return nil end
                    for i = tonumber(n1), tonumber(n2) do names[p1 .. i .. s1] = true end
                    return ""
                end)
            for name in first:gmatch("`([^`]+)`") do names[name] = true end
        end
    end
    return names
end

local function sorted_keys(t)
    local k = {}
    for n in pairs(t) do k[#k + 1] = n end
    table.sort(k)
    return k
end

local vlab_1 = slurp(docs .. "/vlab.1")
local lua_api = slurp(docs .. "/lua-api.md")
check(vlab_1, docs .. "/vlab.1 is missing")
check(lua_api, docs .. "/lua-api.md is missing")
-- the man page as text: roff escapes and fonts out
local man = (vlab_1 or ""):gsub("\\%-", "-"):gsub("\\f[BIRP]", ""):gsub("\\%(em", "-")
local man_words = {}
for w in man:gmatch("[^%s%[%]|()\"',;.=]+") do man_words[w] = true end

-- ---- ISAs, models and their registers
for _, isa in ipairs(vlab.isas()) do
    local page = docs .. "/" .. isa .. ".md"
    local text = slurp(page)
    check(text, ("isa %s has no page %s"):format(isa, page))
    check(man_words[isa], ("isa %s is not named in %s/vlab.1"):format(isa, docs))
    check(plain_find(lua_api, '"' .. isa .. '"'), ("isa %s is not named in %s/lua-api.md (vlab.isas())"):format(isa, docs))
    local documented = register_names(text)
    check(documented, ("%s has no '## Registers' section with a table of the register names"):format(page))
    documented = documented or {}
    local known = {} -- every name any model of the ISA resolves -> its models
    for _, model in ipairs(vlab.models(isa)) do
        local full = isa .. ":" .. model
        check(plain_find(text, full), ("model %s is not named in %s (as `%s`)"):format(full, page, full))
        check(man_words[model], ("model %s is not named in %s/vlab.1"):format(full, docs))
        local m = vlab.machine{ isa = isa, model = model, ram = 1 << 16 }
        local names = {}
        for name in pairs(m.regs) do names[name] = true end
        for _, alias in ipairs{ "sp", "pc" } do
            if pcall(function() return m.regs[alias] end) then names[alias] = true end
        end
        for name in pairs(names) do
            known[name] = known[name] or {}
            table.insert(known[name], full)
        end
    end
    for _, name in ipairs(sorted_keys(known)) do
        check(documented[name], ("register '%s' (%s) is not in the register table of %s (section '## Registers', first column)"):format(name, table.concat(known[name], ", "), page))
    end
    for _, name in ipairs(sorted_keys(documented)) do
        check(known[name], ("%s documents register '%s', which no model of %s has"):format(page, name, isa))
    end
end

-- ---- the Lua API: the module table and the methods of machines, VMs and guests
-- the methods table behind a metatable's __index (a table, or a C closure
-- holding it as an upvalue)
local function methods_of(obj)
    local mt = debug.getmetatable(obj)
    local idx = mt and mt.__index
    if type(idx) == "table" then return idx end
    if type(idx) == "function" then
        for i = 1, 16 do
            local name, v = debug.getupvalue(idx, i)
            if name == nil then break end
            if type(v) == "table" then return v end
        end
    end
    return nil
end

for _, name in ipairs(sorted_keys(vlab)) do
    check(find_word_end(lua_api, "vlab." .. name), ("vlab.%s (a %s of the module) is not documented in %s/lua-api.md"):format(name, type(vlab[name]), docs))
end
local machine = vlab.machine{ isa = vlab.isas()[1], ram = 1 << 16 }
local mmethods = methods_of(machine)
check(mmethods, "cannot find the methods of a machine (its metatable's __index)")
for _, name in ipairs(sorted_keys(mmethods or {})) do
    check(find_word_end(lua_api, "m:" .. name), ("machine method m:%s is not documented in %s/lua-api.md"):format(name, docs))
end
-- a VM on the first ISA the monitor takes
local vm
for _, isa in ipairs(vlab.isas()) do
    local okv, v = pcall(vlab.vmm, { isa = isa, ram = 1 << 16 })
    if okv then vm = v break end
end
check(vm, "no ISA can be run under the monitor: the VM methods are not checked")
local vmethods, gmethods = vm and methods_of(vm), vm and methods_of(vm.guest)
check(not vm or vmethods, "cannot find the methods of a VM")
check(not vm or gmethods, "cannot find the methods of a guest")
for _, name in ipairs(sorted_keys(vmethods or {})) do
    check(find_word_end(lua_api, "vm:" .. name), ("VM method vm:%s is not documented in %s/lua-api.md"):format(name, docs))
end
for _, name in ipairs(sorted_keys(gmethods or {})) do
    check(find_word_end(lua_api, "m:" .. name) or find_word_end(lua_api, "vm.guest:" .. name),
          ("guest method vm.guest:%s is not documented in %s/lua-api.md (as m:%s or vm.guest:%s)"):format(name, docs, name, name))
end
-- and the other way: what the page names exists
local function named(pattern)
    local set, text = {}, lua_api or ""
    for pre, name in text:gmatch("([^\n]?)" .. pattern) do
        if not pre:match("[%w_/.]") then set[name] = true end
    end
    return set
end
for _, name in ipairs(sorted_keys(named("vlab%.([%a_][%w_]*)"))) do
    check(vlab[name] ~= nil, ("%s/lua-api.md documents vlab.%s, which the module does not have"):format(docs, name))
end
-- a member: a method, or a field the object answers (m:regs() calls the m.regs proxy)
local function member(obj, name)
    local okm, v = pcall(function() return obj[name] end)
    return okm and v ~= nil
end
for _, name in ipairs(sorted_keys(named("m:([%a_][%w_]*)%("))) do
    check(member(machine, name), ("%s/lua-api.md documents m:%s(), which a machine does not have"):format(docs, name))
end
for _, name in ipairs(sorted_keys(named("vm:([%a_][%w_]*)"))) do
    check(vm and member(vm, name), ("%s/lua-api.md documents vm:%s, which a VM does not have"):format(docs, name))
end

-- ---- stop reasons and instruction classes (from the C library)
local pg = slurp(docs .. "/popek-goldberg.md")
local nstops, nclasses = 0, 0
for kind, name in (slurp(names_path) or ""):gmatch("(%a+) ([^\n]+)") do
    if kind == "stop" then
        nstops = nstops + 1
        check(plain_find(lua_api, "| `" .. name .. "` |"), ("stop reason '%s' is not in the reason table of %s/lua-api.md (a row | `%s` | when |)"):format(name, docs, name))
    else
        nclasses = nclasses + 1
        check(plain_find(pg, '"' .. name .. '"'), ("instruction class '%s' is not in the class list of %s/popek-goldberg.md (as \"%s\")"):format(name, docs, name))
    end
end
check(nstops > 0 and nclasses > 0, "the C library gave no stop reason or class names")

-- ---- every technique of the monitor's registry in the techniques handout
-- and in the monitor's page, by name (`name`)
local handout, vmm_md = slurp(docs .. "/techniques.md"), slurp(docs .. "/vmm.md")
check(handout, ("%s/techniques.md is missing (the handout of vlab table --techniques all and vlab bench-techniques)"):format(docs))
for _, t in ipairs(vlab.techniques()) do
    check(plain_find(handout, "`" .. t.name .. "`"), ("technique '%s' is not discussed in %s/techniques.md (as `%s`)"):format(t.name, docs, t.name))
    check(plain_find(vmm_md, "`" .. t.name .. "`"), ("technique '%s' is not in %s/vmm.md (as `%s`)"):format(t.name, docs, t.name))
end

-- ---- vlab --help against the man page
local help = slurp(help_path) or ""
local ncmds, nopts = 0, 0
local seen = {}
for line in help:gmatch("[^\n]+") do
    local cmd = line:match("^%s+vlab%s+(%a[%w-]*)")
    if cmd and not seen[cmd] then
        seen[cmd] = true
        ncmds = ncmds + 1
        check(man:find("\n%.B vlab " .. cmd:gsub("%-", "%%-") .. "%f[^%w-]"), ("command 'vlab %s' is not in the SYNOPSIS of %s/vlab.1 (.B vlab %s)"):format(cmd, docs, cmd))
        check(man:find("\n%.TP\n%.B " .. cmd:gsub("%-", "%%-") .. "%f[^%w-]"), ("command 'vlab %s' is not described in %s/vlab.1 (.TP, .B %s)"):format(cmd, docs, cmd))
    end
    for opt in (" " .. line):gmatch("[%s%[(]+(%-%-?%a[%w-]*)") do
        if not seen[opt] then
            seen[opt] = true
            nopts = nopts + 1
            check(man_words[opt], ("option %s of vlab --help is not in %s/vlab.1"):format(opt, docs))
        end
    end
end
check(ncmds > 0 and nopts > 0, "vlab --help lists no command or no option")

-- ---- options: the "## Options" table of lua-api.md against vlab.options
-- (the lists the module's functions check their options tables with)
local function section(text, title)
    return text and (text:match("\n## " .. title .. "[^\n]*\n(.-)\n## ") or text:match("\n## " .. title .. "[^\n]*\n(.*)$"))
end
local opt_doc, nopt_rows = {}, 0
for fn, opt in (section(lua_api, "Options") or ""):gmatch("\n| `([%w_.]+)` | `([%w_]+)` |") do
    opt_doc[fn] = opt_doc[fn] or {}
    opt_doc[fn][opt] = true
    nopt_rows = nopt_rows + 1
end
check(type(vlab.options) == "table", "vlab.options is missing: the option lists cannot be checked")
check(nopt_rows > 0, ("%s/lua-api.md has no '## Options' table (| `function` | `option` | type | meaning |)"):format(docs))
for _, fn in ipairs(sorted_keys(vlab.options or {})) do
    local known = {}
    for _, opt in ipairs(vlab.options[fn]) do
        known[opt] = true
        check(opt_doc[fn] and opt_doc[fn][opt], ("option '%s' of %s is not in the Options table of %s/lua-api.md"):format(opt, fn, docs))
    end
    for _, opt in ipairs(sorted_keys(opt_doc[fn] or {})) do
        check(known[opt], ("%s/lua-api.md documents option '%s' of %s, which %s does not read"):format(docs, opt, fn, fn))
    end
end
for _, fn in ipairs(sorted_keys(opt_doc)) do
    check((vlab.options or {})[fn], ("%s/lua-api.md documents options of %s, which takes none (vlab.options)"):format(docs, fn))
end

-- ---- events: names from the module's own error, fields from a guest that
-- raises every one of them, against the Events table of lua-api.md
local function known_list(e)
    local list = {}
    for n in (tostring(e):match("%(known: ([^)]*)%)") or ""):gmatch("[^,%s]+") do list[#list + 1] = n end
    return list
end
local function fields_of(cell)
    local set = {}
    for f in (cell or ""):gmatch("([%a_][%w_]*) =") do set[f] = true end
    return set
end
local function compare_fields(what, got, doc)
    for _, f in ipairs(sorted_keys(got)) do
        check(doc[f], ("%s: field '%s' is not documented in %s/lua-api.md"):format(what, f, docs))
    end
    for _, f in ipairs(sorted_keys(doc)) do
        check(got[f], ("%s: %s/lua-api.md documents field '%s', which the event does not have"):format(what, docs, f))
    end
end
local events_doc = {}
for ev, cell in (section(lua_api, "Machines") or ""):gmatch('\n| `"(%a+)"` | `(%b{})`') do events_doc[ev] = fields_of(cell) end
do
    local pm = vlab.machine{ isa = "m68k", ram = 1 << 16 }
    local _, e = pcall(pm.on, pm, "?", function() end)
    local names = known_list(e)
    check(#names > 0, "m:on gives no list of its events: " .. tostring(e))
    local got = {}
    for _, ev in ipairs(names) do
        check(events_doc[ev], ("event '%s' (m:on) is not in the Events table of %s/lua-api.md"):format(ev, docs))
        pm:on(ev, function(t)
            got[ev] = got[ev] or {}
            for k in pairs(t) do got[ev][k] = true end
        end)
    end
    for _, ev in ipairs(sorted_keys(events_doc)) do
        local okn = false
        for _, n in ipairs(names) do okn = okn or n == ev end
        check(okn, ("%s/lua-api.md documents event '%s', which m:on does not know"):format(docs, ev))
    end
    -- a console byte, a trap with a handler, a drop to user mode, steps
    pm:write(0x1000, vlab.asm("m68k", [[
        move.l  #handler,0x80
        move.b  #65,0x00dff000
        trap    #0
        move.w  #0,sr
        bra.s   .
handler: rte
]], { org = 0x1000 }))
    pm.pc, pm.regs.sp = 0x1000, 0x8000
    pm:run{ max = 20 }
    for _, ev in ipairs(names) do
        check(got[ev], ("the probe guest raised no '%s' event: its fields are not checked"):format(ev))
        if got[ev] and events_doc[ev] then compare_fields("event '" .. ev .. "'", got[ev], events_doc[ev]) end
    end
end
do -- the monitor's trap event
    local cell = (section(lua_api, "Virtual machines") or ""):match('vm:on%("trap", fn%)[^\n]-(%b{})')
    check(cell, ("%s/lua-api.md: no field list { ... } in the row of vm:on(\"trap\", fn)"):format(docs))
    local v = vlab.vmm{ isa = "m68k:68010", ram = 1 << 16 }
    local _, e = pcall(v.on, v, "?", function() end)
    local names = known_list(e)
    check(#names == 2 and names[1] == "trap" and names[2] == "translate", ("vm:on knows events other than 'trap' and 'translate' (%s): document them in %s/lua-api.md"):format(table.concat(names, ", "), docs))
    local got = {}
    v:on("trap", function(t) for k in pairs(t) do got[k] = true end end)
    -- user mode, a privileged instruction: emulated, with a class and a vector name
    v.guest:write(0x1000, vlab.asm("m68k:68010", "move.w #0,sr\nmove.w #0x2700,sr\nbra.s .\n", { org = 0x1000 }))
    v.guest.pc, v.guest.regs.sp = 0x1000, 0x8000
    v:run{ max = 20 }
    -- under hw-assist: an exit, with its reason
    local h = vlab.vmm{ isa = "m68k:68010", ram = 1 << 16, technique = "hw-assist" }
    h:on("trap", function(t) for k in pairs(t) do got[k] = true end end)
    h.guest:write(0x1000, vlab.asm("m68k:68010", "move.w %sr,%d0\nbra.s .\n", { org = 0x1000 }))
    h.guest.pc, h.guest.regs.sp = 0x1000, 0x8000
    h:run{ max = 20 }
    -- under paravirt: a hypercall (line A 0xA060: console_out d0), with its call
    local p = vlab.vmm{ isa = "m68k:68010", ram = 1 << 16, technique = "paravirt" }
    p:on("trap", function(t) for k in pairs(t) do got[k] = true end end)
    p.guest:write(0x1000, vlab.asm("m68k:68010", "dc.w $a060\nbra.s .\n", { org = 0x1000 }))
    p.guest.pc, p.guest.regs.sp = 0x1000, 0x8000
    p:run{ max = 20 }
    check(next(got), "the probe guest raised no trap under the monitor: the trap event's fields are not checked")
    if next(got) then compare_fields("event 'trap' (vm:on)", got, fields_of(cell)) end
    -- the translate event (binary-translation)
    local tcell = (section(lua_api, "Virtual machines") or ""):match('vm:on%("translate", fn%)[^\n]-(%b{})')
    check(tcell, ("%s/lua-api.md: no field list { ... } in the row of vm:on(\"translate\", fn)"):format(docs))
    local b = vlab.vmm{ isa = "m68k:68000", ram = 1 << 16, technique = "binary-translation" }
    local tgot = {}
    b:on("translate", function(t) for k in pairs(t) do tgot[k] = true end end)
    b.guest:write(0x1000, vlab.asm("m68k:68000", "move.w %sr,%d0\nbra.s .\n", { org = 0x1000 }))
    b.guest.pc, b.guest.regs.sp = 0x1000, 0x8000
    b:run{ max = 20 }
    check(next(tgot), "the probe guest translated no block: the translate event's fields are not checked")
    if next(tgot) and tcell then compare_fields("event 'translate' (vm:on)", tgot, fields_of(tcell)) end
end

-- ---- stop reasons, the other way: every row of the reason table is a reason
do
    local reasons = {}
    for kind, name in (slurp(names_path) or ""):gmatch("(%a+) ([^\n]+)") do
        if kind == "stop" then reasons[name] = true end
    end
    local tbl = (lua_api or ""):match("\n| reason | when |\n|[-|]+|\n(.-)\n\n")
    check(tbl, ("%s/lua-api.md has no reason table (| reason | when |)"):format(docs))
    for name in ((tbl or "") .. "\n"):gmatch("| `([%w_-]+)` |[^\n]*\n") do
        check(reasons[name], ("%s/lua-api.md documents stop reason '%s', which the library does not have"):format(docs, name))
    end
end

-- ---- the commands: the CLI's own list (its unknown-command error), vlab
-- --help and the man page's SYNOPSIS, each against the others
do
    local cli = {}
    local list = (slurp(cli_path) or ""):match("%(commands: ([^)]*)%)") or ""
    for n in list:gmatch("[^,%s]+") do cli[n] = true end
    check(next(cli), "vlab's unknown-command error lists no commands: " .. (slurp(cli_path) or ""))
    local helpcmds, mancmds = {}, {}
    for cmd in (slurp(help_path) or ""):gmatch("\n[ \t]+vlab[ \t]+(%a[%w-]*)") do helpcmds[cmd] = true end
    for cmd in man:gmatch("\n%.B vlab (%a[%w-]*)") do mancmds[cmd] = true end
    for _, c in ipairs(sorted_keys(cli)) do
        check(helpcmds[c], ("command '%s' of the CLI is not in vlab --help"):format(c))
        check(mancmds[c], ("command '%s' of the CLI is not in the SYNOPSIS of %s/vlab.1"):format(c, docs))
    end
    for _, c in ipairs(sorted_keys(helpcmds)) do check(cli[c], ("vlab --help lists 'vlab %s', which the CLI does not have"):format(c)) end
    for _, c in ipairs(sorted_keys(mancmds)) do check(cli[c], ("%s/vlab.1 lists 'vlab %s', which the CLI does not have"):format(docs, c)) end
end

-- ---- vlab --help names every model of every ISA
do
    local h = (slurp(help_path) or ""):lower()
    for _, isa in ipairs(vlab.isas()) do
        for _, model in ipairs(vlab.models(isa)) do
            check(h:find(model:lower(), 1, true), ("vlab --help does not name model %s:%s"):format(isa, model))
        end
    end
end

for _, msg in ipairs(fails) do print("FAIL " .. msg) end
print(("PASS %d"):format(pass))
EOF

"$VLAB" run "$T/docs.lua" "$DOCS" "$T/help.txt" "$T/names.txt" "$T/cli.txt" >"$T/lua.out" 2>&1
rc=$?
while IFS= read -r line; do
    case $line in
    "FAIL "*) bad "${line#FAIL }" ;;
    "PASS "*) pass=$((pass + ${line#PASS })) ;;
    *) bad "unexpected output of the check: $line" ;;
    esac
done <"$T/lua.out"
[ $rc -eq 0 ] || bad "the Lua check exited $rc"
finish
