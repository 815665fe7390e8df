"""Run by the system ``python3`` (which has LibreOffice's ``uno``), not by pytest: open a workbook in a
headless LibreOffice *without* recalculation on load, type values into cells as a user would, and print
the cells' values afterwards as JSON ([number, text, error code] per cell) — LibreOffice's own dependency tracking recalculates them.

Arguments: soffice, profile URL, workbook path, JSON {"edits": {"Sheet!A1": value}, "read": ["Sheet!A1"]}.
"""

import json
import subprocess
import sys
import time

import uno
from com.sun.star.beans import PropertyValue

soffice, profile_url, path, request = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
pipe = f"xlmvtest{time.time_ns()}"
office = subprocess.Popen(
    [
        soffice,
        f"-env:UserInstallation={profile_url}",
        "--headless",
        "--invisible",
        "--norestore",
        f"--accept=pipe,name={pipe};urp;",
    ],
    stdout=subprocess.DEVNULL,
    stderr=subprocess.DEVNULL,
)
try:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(1200):
        try:
            context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            break
        except Exception:
            time.sleep(0.1)
    else:
        raise SystemExit("LibreOffice did not start")
    desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
    hidden = PropertyValue()
    hidden.Name, hidden.Value = "Hidden", True
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(path), "_blank", 0, (hidden,))

    def cell(key):
        sheet, ref = key.split("!")
        return doc.Sheets.getByName(sheet).getCellRangeByName(ref)

    before = {key: cell(key).getString() for key in request["read"]}
    for key, value in request["edits"].items():
        cell(key).setValue(value)
    after = {
        key: [cell(key).getValue(), cell(key).getString(), cell(key).getError()] for key in request["read"]
    }
    print(json.dumps({"before": before, "after": after}, ensure_ascii=False))
    doc.close(True)
finally:
    office.terminate()
    office.wait(timeout=60)
