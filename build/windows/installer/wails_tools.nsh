# Helpers for project.nsi, adapted from the wails_tools.nsh that `wails build
# -nsis` generates (Wails v2.11). The wails CLI is not used here, so nothing
# is templated: build/scripts/package passes every value with -D. Changed from
# the Wails original: a per-user install (no administrator rights, HKCU), an
# amd64-only check that lets Windows 11 on ARM run the x64 build, and a
# WebView2 check that only warns unless a bootstrapper is supplied.

!include "x64.nsh"
!include "WinVer.nsh"
!include "FileFunc.nsh"
!include "LogicLib.nsh"

!ifndef INFO_PRODUCTNAME
    !define INFO_PRODUCTNAME "HealthPrep Desk"
!endif
!ifndef INFO_COMPANYNAME
    !define INFO_COMPANYNAME "HealthPrep Desk"
!endif
!ifndef INFO_COPYRIGHT
    !define INFO_COPYRIGHT "HealthPrep Desk"
!endif
!ifndef INFO_HOMEPAGE
    !define INFO_HOMEPAGE "https://healthprep.invalid"
!endif
!ifndef VERSION
    !error "VERSION is not set: run build/scripts/package windows (make package-windows)"
!endif
!ifndef WINVERSION
    !error "WINVERSION (a.b.c.d) is not set: run build/scripts/package windows"
!endif
!ifndef BINDIR
    !error "BINDIR (the folder with the .exe files) is not set: run build/scripts/package windows"
!endif

!define PRODUCT_EXECUTABLE "healthprep.exe"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\HealthPrepDesk"
# The same per-user Run entry build/windows/agent-startup.cmd writes.
!define RUN_KEY "Software\Microsoft\Windows\CurrentVersion\Run"
!define RUN_VALUE "HealthPrepAgent"

!macro wails.checkArchitecture
    ${IfNot} ${AtLeastWin10}
        IfSilent +2
        MessageBox MB_OK|MB_ICONSTOP "${INFO_PRODUCTNAME} needs Windows 10 or later."
        SetErrorLevel 64
        Quit
    ${EndIf}
    ${IfNot} ${RunningX64}
        IfSilent +2
        MessageBox MB_OK|MB_ICONSTOP "${INFO_PRODUCTNAME} needs 64-bit Windows."
        SetErrorLevel 65
        Quit
    ${EndIf}
!macroend

# WebView2 (the Edge engine the window draws with) is part of Windows 10
# (since 2021 updates) and 11. Without it: run the bootstrapper when one was
# built in (make package WEBVIEW2_SETUP=MicrosoftEdgeWebview2Setup.exe),
# else say what to install; the files are installed either way.
!macro wails.webview2runtime
    SetRegView 64
    ReadRegStr $0 HKLM "SOFTWARE\WOW6432Node\Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}" "pv"
    ${If} $0 == ""
    ${OrIf} $0 == "0.0.0.0"
        ReadRegStr $0 HKCU "Software\Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}" "pv"
    ${EndIf}
    SetRegView lastused
    ${If} $0 == ""
    ${OrIf} $0 == "0.0.0.0"
        !ifdef WEBVIEW2_SETUP
            DetailPrint "Installing the Microsoft Edge WebView2 Runtime..."
            InitPluginsDir
            SetOutPath "$PLUGINSDIR\webview2"
            File "/oname=MicrosoftEdgeWebview2Setup.exe" "${WEBVIEW2_SETUP}"
            ExecWait '"$PLUGINSDIR\webview2\MicrosoftEdgeWebview2Setup.exe" /silent /install' $1
            DetailPrint "WebView2 setup finished (exit code $1)."
        !else
            DetailPrint "The Microsoft Edge WebView2 Runtime was not found."
            MessageBox MB_OK|MB_ICONEXCLAMATION "${INFO_PRODUCTNAME} draws its window with the Microsoft Edge WebView2 Runtime, which this computer does not seem to have (Windows 10 and 11 normally include it).$\r$\n$\r$\nInstall the WebView2 Runtime (Evergreen) from Microsoft before opening ${INFO_PRODUCTNAME}. Installation continues." /SD IDOK
        !endif
    ${Else}
        DetailPrint "Microsoft Edge WebView2 Runtime $0 is present."
    ${EndIf}
!macroend

# Stops HealthPrep processes started from this install folder (the agent
# holds its cache and its .exe open), so files can be replaced or removed.
# Only processes whose image lies in $INSTDIR are touched; the cache survives
# an abrupt stop (every committed write is kept).
!macro healthprep.stopRunning
    DetailPrint "Stopping HealthPrep Desk if it is running..."
    nsExec::Exec `powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command "Get-Process -Name healthprep,healthprep-agent,healthprep-agentw -ErrorAction SilentlyContinue | Where-Object { $$_.Path -like '$INSTDIR\*' } | Stop-Process -Force"`
    Pop $0
    Sleep 500
!macroend

!macro wails.writeUninstaller
    WriteUninstaller "$INSTDIR\uninstall.exe"

    WriteRegStr HKCU "${UNINST_KEY}" "Publisher" "${INFO_COMPANYNAME}"
    WriteRegStr HKCU "${UNINST_KEY}" "DisplayName" "${INFO_PRODUCTNAME}"
    WriteRegStr HKCU "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
    WriteRegStr HKCU "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\${PRODUCT_EXECUTABLE}"
    WriteRegStr HKCU "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
    WriteRegStr HKCU "${UNINST_KEY}" "URLInfoAbout" "${INFO_HOMEPAGE}"
    WriteRegStr HKCU "${UNINST_KEY}" "UninstallString" "$\"$INSTDIR\uninstall.exe$\""
    WriteRegStr HKCU "${UNINST_KEY}" "QuietUninstallString" "$\"$INSTDIR\uninstall.exe$\" /S"
    WriteRegDWORD HKCU "${UNINST_KEY}" "NoModify" 1
    WriteRegDWORD HKCU "${UNINST_KEY}" "NoRepair" 1

    ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
    IntFmt $0 "0x%08X" $0
    WriteRegDWORD HKCU "${UNINST_KEY}" "EstimatedSize" "$0"
!macroend

!macro wails.deleteUninstaller
    Delete "$INSTDIR\uninstall.exe"
    DeleteRegKey HKCU "${UNINST_KEY}"
!macroend
