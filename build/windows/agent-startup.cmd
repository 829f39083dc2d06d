@rem Registers the HealthPrep agent to start at logon for the current user
@rem (a per-user Run entry; no administrator rights needed). The installer runs
@rem this; "agent-startup.cmd remove" undoes it.
@echo off
set KEY=HKCU\Software\Microsoft\Windows\CurrentVersion\Run
if /I "%1"=="remove" (
  reg delete "%KEY%" /v HealthPrepAgent /f
) else (
  reg add "%KEY%" /v HealthPrepAgent /t REG_SZ /d "\"%~dp0healthprep-agent.exe\" serve" /f
)
