"🎉 party"
