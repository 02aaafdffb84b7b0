# Smoke test of the Windows installer, as a user gets it: silent install into a temporary
# folder, `glia --version`, `glia score` on the self-made test photos with the installed model,
# the "Open with glia" registration, then silent uninstall and check that it is all gone.
#
#   pwsh packaging/windows/test-windows.ps1 -Installer path\to\glia_<v>_x64-setup.exe -Version <v>
#
# Run it with the source tree's models\ moved away (the release workflow does), so the only
# model the binary can find is the installed one.
param(
  [Parameter(Mandatory = $true)][string]$Installer,
  [Parameter(Mandatory = $true)][string]$Version,
  [string]$PhotoDir = (Join-Path $PSScriptRoot "..\testdata")
)
$ErrorActionPreference = "Stop"
$failed = 0; $passed = 0
function Check([string]$what, [bool]$cond) {
  if ($cond) { $script:passed++; Write-Host "  ok   $what" } else { $script:failed++; Write-Host "  FAIL $what" }
}

$dest = Join-Path ([IO.Path]::GetTempPath()) "glia-install-test"
if (Test-Path $dest) { Remove-Item -Recurse -Force $dest }
Remove-Item Env:GLIA_MODEL_DIR -ErrorAction SilentlyContinue

$p = Start-Process -FilePath $Installer -ArgumentList "/S", "/D=$dest" -Wait -PassThru
Check "installer /S exit code 0" ($p.ExitCode -eq 0)
$files = @("glia.exe", "glia.ico", "uninstall.exe", "models\glianet-vit-tiny.safetensors",
  "models\vit_tiny_patch16_224.safetensors", "models\README.md", "models\LIVEC-NOTICE.txt",
  "licenses\LICENSE-MIT", "licenses\LICENSE-APACHE", "licenses\NOTICE.txt")
foreach ($f in $files) { Check "installed $f" (Test-Path (Join-Path $dest $f)) }

$glia = Join-Path $dest "glia.exe"
$out = (& $glia --version | Out-String).Trim()
Check "glia --version prints 'glia $Version' ($out)" ($out -eq "glia $Version")

$sharp = Join-Path $PhotoDir "sharp.jpg"; $blurred = Join-Path $PhotoDir "blurred.jpg"
$csv = & $glia score --quiet --csv --device cpu $sharp $blurred
Check "glia score exit code 0" ($LASTEXITCODE -eq 0)
$csv | ForEach-Object { Write-Host "       $_" }
$rows = $csv | ConvertFrom-Csv
$s = [double]($rows | Where-Object { $_.path -like "*sharp.jpg" }).score
$b = [double]($rows | Where-Object { $_.path -like "*blurred.jpg" }).score
Check "scores in 0..100 and sharp ($s) > blurred ($b)" (($s -ge 0) -and ($s -le 100) -and ($b -ge 0) -and ($s -gt $b))

$cls = "HKCU:\Software\Classes"
Check "'Open with glia' command registered" (Test-Path "$cls\glia.Photo\shell\open\command")
foreach ($ext in @(".jpg", ".png", ".tif", ".webp", ".bmp", ".cr2", ".cr3", ".nef", ".arw", ".dng", ".raf", ".orf")) {
  $v = Get-ItemProperty -Path "$cls\$ext\OpenWithProgids" -Name "glia.Photo" -ErrorAction SilentlyContinue
  Check "$ext offers glia in Open with" ($null -ne $v)
}
$jpgDefault = (Get-ItemProperty -Path "$cls\.jpg" -ErrorAction SilentlyContinue)."(default)"
Check "the default app for .jpg is not taken over ($jpgDefault)" ($jpgDefault -ne "glia.Photo")

# The NSIS uninstaller copies itself to %TEMP% and returns at once: wait for the files to go.
Start-Process -FilePath (Join-Path $dest "uninstall.exe") -ArgumentList "/S" -Wait
for ($i = 0; $i -lt 60 -and (Test-Path $glia); $i++) { Start-Sleep -Seconds 1 }
Check "uninstall removed glia.exe" (-not (Test-Path $glia))
Check "uninstall removed models\" (-not (Test-Path (Join-Path $dest "models")))
Check "uninstall removed the Open-with class" (-not (Test-Path "$cls\glia.Photo"))
$left = Get-ItemProperty -Path "$cls\.jpg\OpenWithProgids" -Name "glia.Photo" -ErrorAction SilentlyContinue
Check "uninstall removed .jpg's Open-with entry" ($null -eq $left)

Write-Host "packaging: $passed passed, $failed failed"
if ($failed -ne 0) { exit 1 }
