print("dpwall")
