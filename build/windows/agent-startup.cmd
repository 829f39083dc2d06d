@rem Registers the HealthPrep agent to start at logon for the current user
@rem (a per-user Run entry; no administrator rights needed). The installer
@rem writes the same entry itself and removes it on uninstall; this script is
@rem for re-registering by hand. "agent-startup.cmd remove" undoes it.
@rem healthprep-agentw.exe is the agent built without a console window.
@echo off
set KEY=HKCU\Software\Microsoft\Windows\CurrentVersion\Run
set AGENT=%~dp0healthprep-agentw.exe
if not exist "%AGENT%" set AGENT=%~dp0healthprep-agent.exe
if /I "%1"=="remove" (
  reg delete "%KEY%" /v HealthPrepAgent /f
) else (
  reg add "%KEY%" /v HealthPrepAgent /t REG_SZ /d "\"%AGENT%\" serve" /f
)
