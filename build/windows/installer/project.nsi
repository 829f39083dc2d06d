# The HealthPrep Desk installer for Windows 10/11 (x64), built on Linux with
# Debian's makensis by build/scripts/package (`make package-windows`), which
# passes -DVERSION -DWINVERSION -DBINDIR -DOUTFILE and, when given,
# -DPRESET_FILE -DWEBVIEW2_SETUP -DSIGN_CMD -DCOMPRESS_OFF. Adapted from the project.nsi
# that `wails build -nsis` generates.
#
# A per-user install, like build/windows/agent-startup.cmd: no administrator
# rights, files in %LOCALAPPDATA%\Programs\HealthPrep Desk, the agent as a
# login item in HKCU\...\Run, Start-menu and desktop shortcuts. Run it once as
# each Windows user who works the front desk (silently: /S).
#
# Command line: /S (silent), /D=folder (install folder, must be last),
# /PRESET=path\practice.json (a practice preset; see below).

Unicode true
ManifestDPIAware true
!ifdef COMPRESS_OFF # quick checks only (build/scripts/check-package): a large installer, fast
    SetCompress off
!else
    SetCompressor /SOLID lzma
    SetCompressorDictSize 64 # the two agent builds are nearly identical: one dictionary covers both
!endif

!include "wails_tools.nsh"
!include "MUI2.nsh"

RequestExecutionLevel user

VIProductVersion "${WINVERSION}"
VIFileVersion    "${WINVERSION}"
VIAddVersionKey "CompanyName"     "${INFO_COMPANYNAME}"
VIAddVersionKey "FileDescription" "${INFO_PRODUCTNAME} Installer"
VIAddVersionKey "ProductVersion"  "${VERSION}"
VIAddVersionKey "FileVersion"     "${VERSION}"
VIAddVersionKey "LegalCopyright"  "${INFO_COPYRIGHT}"
VIAddVersionKey "ProductName"     "${INFO_PRODUCTNAME}"

# Optional Authenticode signing (make sign): the uninstaller is signed while it
# is written into the installer, then the installer itself.
!ifdef SIGN_CMD
    !uninstfinalize '"${SIGN_CMD}" "%1"' = 0
    !finalize '"${SIGN_CMD}" "%1"' = 0
!endif

Name "${INFO_PRODUCTNAME}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${INFO_PRODUCTNAME}"
InstallDirRegKey HKCU "${UNINST_KEY}" "InstallLocation"
ShowInstDetails show
ShowUninstDetails show
BrandingText "${INFO_PRODUCTNAME} ${VERSION}"

Var USERNAME # the Windows user, shown in the welcome page and the uninstall question

!define MUI_ICON "..\icon.ico"
!define MUI_UNICON "..\icon.ico"
!define MUI_ABORTWARNING
!define MUI_WELCOMEPAGE_TEXT "This installs ${INFO_PRODUCTNAME} ${VERSION} for you ($USERNAME) on this computer. No administrator rights are needed.$\r$\n$\r$\nThe background agent will start each time you sign in to Windows, so the day's prep lists are ready before the clinic opens.$\r$\n$\r$\nClick Next to continue."
!define MUI_FINISHPAGE_RUN "$INSTDIR\${PRODUCT_EXECUTABLE}"
!define MUI_FINISHPAGE_RUN_TEXT "Open ${INFO_PRODUCTNAME} now"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"

Function .onInit
    !insertmacro wails.checkArchitecture
    ReadEnvStr $USERNAME USERNAME
FunctionEnd

Section "Install"
    SetShellVarContext current
    !insertmacro wails.webview2runtime

    SetOutPath $INSTDIR
    !insertmacro healthprep.stopRunning

    File "/oname=healthprep.exe" "${BINDIR}\healthprep.exe"
    # The console build is the CLI (healthprep-agent status, reset, version);
    # the windowless build runs at login without a console window.
    File "/oname=healthprep-agent.exe" "${BINDIR}\healthprep-agent.exe"
    File "/oname=healthprep-agentw.exe" "${BINDIR}\healthprep-agentw.exe"
    File "/oname=agent-startup.cmd" "..\agent-startup.cmd"

    # The practice preset, read by the agent the first time it finds no
    # practice set up: /PRESET=path, else practice.json beside this installer,
    # else one built in (make package PRESET=...). An earlier preset stays
    # when none is given.
    ${GetParameters} $R0
    ClearErrors
    ${GetOptions} $R0 "/PRESET=" $R1
    ${IfNot} ${Errors}
    ${AndIf} ${FileExists} "$R1"
        CopyFiles /SILENT "$R1" "$INSTDIR\practice-preset.json"
        DetailPrint "Practice preset: $R1"
    ${ElseIf} ${FileExists} "$EXEDIR\practice.json"
        CopyFiles /SILENT "$EXEDIR\practice.json" "$INSTDIR\practice-preset.json"
        DetailPrint "Practice preset: $EXEDIR\practice.json"
    ${Else}
        !ifdef PRESET_FILE
            File "/oname=practice-preset.json" "${PRESET_FILE}"
            DetailPrint "Practice preset: built into this installer"
        !endif
    ${EndIf}

    CreateShortcut "$SMPROGRAMS\${INFO_PRODUCTNAME}.lnk" "$INSTDIR\${PRODUCT_EXECUTABLE}"
    CreateShortcut "$DESKTOP\${INFO_PRODUCTNAME}.lnk" "$INSTDIR\${PRODUCT_EXECUTABLE}"

    # The agent as a login item for this user, then started now so tomorrow
    # morning's sync does not wait for the next sign-in.
    WriteRegStr HKCU "${RUN_KEY}" "${RUN_VALUE}" '"$INSTDIR\healthprep-agentw.exe" serve'
    Exec '"$INSTDIR\healthprep-agentw.exe" serve'

    !insertmacro wails.writeUninstaller
SectionEnd

Function un.onInit
    ReadEnvStr $USERNAME USERNAME
FunctionEnd

Section "Uninstall"
    SetShellVarContext current
    !insertmacro healthprep.stopRunning

    DeleteRegValue HKCU "${RUN_KEY}" "${RUN_VALUE}"
    Delete "$SMPROGRAMS\${INFO_PRODUCTNAME}.lnk"
    Delete "$DESKTOP\${INFO_PRODUCTNAME}.lnk"

    # The practice's data: kept unless the user says otherwise (a silent
    # uninstall keeps it). Erasing runs the agent's own reset first, which
    # also removes the keychain items (Windows Credential Manager).
    MessageBox MB_YESNO|MB_ICONQUESTION|MB_DEFBUTTON1 "Keep this computer's HealthPrep data for $USERNAME?$\r$\n$\r$\nYes (recommended): the practice settings, the saved days and the Epic sign-in stay, in %LOCALAPPDATA%\HealthPrep and in Windows Credential Manager. Reinstalling needs no setup.$\r$\n$\r$\nNo: erase them now (the encrypted cache, the practice settings and the HealthPrep items in Windows Credential Manager). Epic itself is not changed." /SD IDYES IDYES keep
        DetailPrint "Erasing the practice from this computer (healthprep-agent reset)..."
        nsExec::ExecToLog '"$INSTDIR\healthprep-agent.exe" reset --confirm RESET'
        Pop $0
        ${If} $0 != 0
            DetailPrint "The reset did not finish (exit code $0): HealthPrep items may remain in Windows Credential Manager."
        ${EndIf}
        RMDir /r "$LOCALAPPDATA\HealthPrep"
        Goto data_done
    keep:
        DetailPrint "Kept: %LOCALAPPDATA%\HealthPrep and the HealthPrep items in Windows Credential Manager."
        DetailPrint "To erase them later: reinstall, run healthprep-agent reset --confirm RESET, then uninstall."
    data_done:

    # WebView2's own profile for the window (UI caches, never practice data).
    RMDir /r "$APPDATA\${PRODUCT_EXECUTABLE}"

    Delete "$INSTDIR\healthprep.exe"
    Delete "$INSTDIR\healthprep-agent.exe"
    Delete "$INSTDIR\healthprep-agentw.exe"
    Delete "$INSTDIR\agent-startup.cmd"
    Delete "$INSTDIR\practice-preset.json"
    !insertmacro wails.deleteUninstaller
    RMDir "$INSTDIR"
SectionEnd
